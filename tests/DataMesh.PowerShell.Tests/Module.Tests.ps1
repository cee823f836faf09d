BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module $ModulePath -Force
    $manifest = Import-PowerShellDataFile $ManifestPath
}

AfterAll {
    Remove-Module DataMesh -ErrorAction SilentlyContinue
}

Describe 'DataMesh module' {
    It 'imports from out/DataMesh with a valid manifest' {
        $module = Get-Module DataMesh
        $module | Should -Not -BeNullOrEmpty
        $module.ModuleBase | Should -Be (Resolve-Path $ModulePath).Path
        $module.Version | Should -Be ([version]$manifest.ModuleVersion)
        { Test-ModuleManifest $ManifestPath -ErrorAction Stop } | Should -Not -Throw
    }

    It 'exports exactly the cmdlets the manifest lists and nothing else' {
        $module = Get-Module DataMesh
        @($module.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($manifest.CmdletsToExport | Sort-Object)
        $module.ExportedFunctions.Count | Should -Be 0
        $module.ExportedAliases.Count | Should -Be 0
        $module.ExportedVariables.Count | Should -Be 0
        @(Get-Command -Module DataMesh -CommandType Cmdlet).Count | Should -Be @($manifest.CmdletsToExport).Count
    }

    It 'can be removed and imported again in the same session' {
        Remove-Module DataMesh
        Get-Module DataMesh | Should -BeNullOrEmpty
        Import-Module $ModulePath
        (Get-DataMeshConfig -Key storage.chunk_size -Path (Join-Path $PSScriptRoot '../../config.toml')).Value | Should -Be 1048576
    }

    It 'declares Core edition and PowerShell 7.6' {
        $manifest.CompatiblePSEditions | Should -Be @('Core')
        $manifest.PowerShellVersion | Should -Be '7.6'
    }

    It 'ships third-party assemblies only under dependencies/' {
        $top = Get-ChildItem $ModulePath -Filter '*.dll' -File | ForEach-Object Name
        $top | Should -Be @('DataMesh.PowerShell.dll')
        Join-Path $ModulePath 'dependencies/Tomlyn.dll' | Should -Exist
        Join-Path $ModulePath 'dependencies/DataMesh.Core.dll' | Should -Exist
        Join-Path $ModulePath 'dependencies/System.Management.Automation.dll' | Should -Not -Exist
    }
}

Describe 'Assembly isolation' {
    BeforeAll {
        # Using a cmdlet makes the engine load.
        Get-DataMeshConfig -Key storage.chunk_size -Path (Join-Path $PSScriptRoot '../../config.toml') | Out-Null
        $dataMeshContext = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'DataMesh'
        $default = [System.Runtime.Loader.AssemblyLoadContext]::Default
    }

    It 'has exactly one DataMesh load context' {
        @($dataMeshContext).Count | Should -Be 1
    }

    It 'loads the cmdlet assembly in the default context' {
        $cmdlets = (Get-Command Get-DataMeshConfig).ImplementingType.Assembly
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($cmdlets) | Should -Be $default
    }

    It 'loads <_> in the DataMesh context and not in the default one' -ForEach 'DataMesh.Core', 'Tomlyn', 'Microsoft.Extensions.Logging.Abstractions' {
        $name = $_
        @($dataMeshContext.Assemblies | Where-Object { $_.GetName().Name -eq $name }).Count | Should -Be 1
        @($default.Assemblies | Where-Object { $_.GetName().Name -eq $name }).Count | Should -Be 0
    }

    It 'resolves native libsodium for NSec from dependencies/runtimes inside the DataMesh context' {
        $nsec = $dataMeshContext.LoadFromAssemblyName([System.Reflection.AssemblyName]'NSec.Cryptography')
        # Reading an algorithm initialises libsodium through NSec's P/Invoke, which asks the context for the library.
        $nsec.GetType('NSec.Cryptography.HashAlgorithm', $true).GetProperty('Sha256').GetValue($null) | Should -Not -BeNullOrEmpty
        $sodium = @((Get-Process -Id $PID).Modules | Where-Object ModuleName -like '*sodium*')
        $sodium.Count | Should -BeGreaterThan 0
        $sodium[0].FileName | Should -BeLike ((Resolve-Path $ModulePath).Path + '*dependencies*runtimes*native*')
    }

    It 'cmdlet assembly references only PowerShell, the framework and DataMesh.Core' {
        $cmdlets = (Get-Command Get-DataMeshConfig).ImplementingType.Assembly
        $references = $cmdlets.GetReferencedAssemblies().Name | Where-Object { $_ -notmatch '^(System(\..+)?|netstandard|mscorlib)$' }
        $references | Should -Be @('DataMesh.Core')
    }
}

Describe 'examples/datamesh-node.service' {
    It 'puts every setting in the section systemd reads it from (systemd-analyze verify)' {
        # Settings systemd accepts only in [Unit]; in [Service] it ignores them with a warning.
        $unitOnly = 'StartLimitIntervalSec', 'StartLimitBurst', 'StartLimitAction', 'Description', 'After', 'Wants', 'Requires'
        $section = $null
        $placed = foreach ($line in Get-Content (Join-Path $PSScriptRoot '../../examples/datamesh-node.service')) {
            if ($line -match '^\[(\w+)\]') { $section = $Matches[1]; continue }
            if ($line -match '^(\w+)=') { [pscustomobject]@{ Key = $Matches[1]; Section = $section } }
        }
        $placed | Where-Object Key -in $unitOnly | ForEach-Object { $_.Section | Should -Be 'Unit' -Because "$($_.Key) is a [Unit] setting" }
        @($placed | Where-Object Key -like 'StartLimit*').Count | Should -Be 2
    }
}
