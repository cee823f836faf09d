BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $cmdletNames = (Import-PowerShellDataFile $ManifestPath).CmdletsToExport
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module $ModulePath -Force
}

AfterAll {
    Remove-Module DataMesh -ErrorAction SilentlyContinue
}

Describe 'Help for <_>' -ForEach $cmdletNames {
    BeforeAll {
        $name = $_
        $help = Get-Help $name -Full
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        $parameters = (Get-Command $name).Parameters.Keys | Where-Object { $_ -notin $common }
    }

    It 'has a synopsis' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "*$name*[<]*"  # not the auto-generated syntax stub
    }

    It 'has a description' {
        ($help.Description | Out-String).Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least one example with code' {
        @($help.Examples.Example).Count | Should -BeGreaterThan 0
        $help.Examples.Example[0].Code | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter' {
        foreach ($parameter in $parameters) {
            $entry = $help.Parameters.Parameter | Where-Object Name -eq $parameter
            ($entry.Description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "-$parameter needs a description"
        }
    }
}

Describe 'Help content' {
    It 'Get-Help Get-DataMeshConfig -Examples shows the examples' {
        $text = Get-Help Get-DataMeshConfig -Examples | Out-String
        $text | Should -Match 'Example 1'
        $text | Should -Match 'Get-DataMeshConfig -Key performance\.chunks\.\*'
    }

    It 'has the about topics' -ForEach 'about_DataMesh', 'about_DataMesh_Configuration' {
        Join-Path $ModulePath "en-US/$_.help.txt" | Should -Exist
        (Get-Help $_ | Out-String) | Should -Match 'SHORT DESCRIPTION'
    }

    It 'documents every configuration key in about_DataMesh_Configuration' {
        $text = Get-Content (Join-Path $ModulePath 'en-US/about_DataMesh_Configuration.help.txt') -Raw
        foreach ($entry in Get-DataMeshConfig -Path (Join-Path $PSScriptRoot '../../config.toml')) {
            $leaf = $entry.Key.Split('.')[-1]
            $text | Should -Match "\b$leaf\b" -Because "$($entry.Key) must be documented"
        }
    }
}
