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

    It 'shows parameter types as PowerShell help does: the underlying type of a nullable one' {
        ($help.Syntax | Out-String) | Should -Not -Match 'Nullable'
        ($help.Parameters | Out-String) | Should -Not -Match 'Nullable'
    }

    It 'lists -WhatIf and -Confirm in the syntax when it supports ShouldProcess' {
        $command = Get-Command $name
        $syntax = $help.Syntax | Out-String
        if ($command.Parameters.ContainsKey('WhatIf')) {
            $syntax | Should -Match '-WhatIf'
            $syntax | Should -Match '-Confirm'
        }
        else {
            $syntax | Should -Not -Match '-WhatIf'
        }
    }

    It 'says what it accepts from the pipeline' {
        $inputs = ($help.inputTypes | Out-String).Trim()
        $command = Get-Command $name
        $piped = @($command.Parameters.Values | Where-Object { $_.Attributes | Where-Object { $_ -is [Parameter] -and ($_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName) } })
        if ($piped.Count -eq 0) {
            $inputs | Should -Match 'None'
        }
        foreach ($parameter in $piped) {
            $inputs | Should -Match "-$($parameter.Name)\b" -Because "-$($parameter.Name) takes pipeline input"
        }
        if ($name -ne 'Set-DataMeshConfig') { $inputs | Should -Not -Match 'Get-DataMeshConfig' }
    }

    It 'has examples that run on every platform (no $env:TEMP)' {
        ($help.Examples | Out-String) | Should -Not -Match '\$env:TEMP'
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
