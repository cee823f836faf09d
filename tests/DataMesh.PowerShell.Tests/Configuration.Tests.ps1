BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module $ModulePath -Force
    $repoConfig = (Resolve-Path (Join-Path $PSScriptRoot '../../config.toml')).Path
    $isolated = 'DATAMESH_CONFIG', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'DATAMESH_MAX_CONCURRENT_RETRIEVALS', 'DATAMESH_DATA_DIR'
    $savedEnvironment = @{}
    foreach ($name in $isolated) { $savedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name) }
}

AfterAll {
    foreach ($name in $savedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $savedEnvironment[$name]) }
    Remove-Module DataMesh -ErrorAction SilentlyContinue
}

Describe 'Configuration cmdlets' {
    BeforeEach {
        # Never touch the real user's configuration.
        foreach ($name in $isolated) { [Environment]::SetEnvironmentVariable($name, $null) }
        $env:XDG_CONFIG_HOME = Join-Path $TestDrive 'config-home'
        $env:XDG_DATA_HOME = Join-Path $TestDrive 'data-home'
    }

    Describe 'Get-DataMeshConfig' {
        It 'returns every key with its source, defaults when no file exists' {
            $entries = @(Get-DataMeshConfig)
            $entries.Count | Should -Be 34
            $entries | ForEach-Object { $_.Source.ToString() } | Sort-Object -Unique | Should -Be 'Default'
            ($entries | Where-Object Key -eq 'storage.data_dir').Value | Should -Be (Join-Path $env:XDG_DATA_HOME 'datamesh')
            $entries[0].PSObject.TypeNames[0] | Should -Be 'DataMesh.Core.Configuration.ConfigurationEntry'
        }

        It 'reads the given file and reports file and line' {
            $entry = Get-DataMeshConfig -Key performance.chunks.max_concurrent_retrievals -Path $repoConfig
            $entry.Value | Should -Be 8
            $entry.Source.ToString() | Should -Be 'File'
            $entry.Origin | Should -Match ([regex]::Escape($repoConfig) + ':\d+$')
        }

        It 'filters keys with wildcards' {
            @(Get-DataMeshConfig -Key 'performance.chunks.*').Key | Should -Be @(
                'performance.chunks.max_concurrent_retrievals', 'performance.chunks.max_concurrent_uploads',
                'performance.chunks.chunk_timeout_secs', 'performance.chunks.retry_failed_chunks',
                'performance.chunks.prefer_fast_peers', 'performance.chunks.peer_response_timeout_secs')
        }

        It 'applies environment overrides over the file' {
            $env:DATAMESH_MAX_CONCURRENT_RETRIEVALS = '24'
            $entry = Get-DataMeshConfig performance.chunks.max_concurrent_retrievals -Path $repoConfig
            $entry.Value | Should -Be 24
            $entry.Origin | Should -Be 'DATAMESH_MAX_CONCURRENT_RETRIEVALS'
        }

        It 'uses DATAMESH_CONFIG when no -Path is given' {
            $path = Join-Path $TestDrive 'from-env.toml'
            Set-Content $path "[network]`nmax_connections = 33`n"
            $env:DATAMESH_CONFIG = $path
            (Get-DataMeshConfig network.max_connections).Value | Should -Be 33
        }

        It 'returns the typed options with -AsOptions' {
            $options = Get-DataMeshConfig -AsOptions -Path $repoConfig
            $options.GetType().FullName | Should -Be 'DataMesh.Core.Configuration.DataMeshOptions'
            $options.Storage.ChunkSize | Should -Be 1048576
            $options.Performance.Chunks.PreferFastPeers | Should -BeTrue
        }

        It 'fails with DataMesh.ConfigInvalid naming key, file and line for a bad file' {
            $path = Join-Path $TestDrive 'bad.toml'
            Set-Content $path "[storage]`n`nchunk_size = 1024`n"
            $err = { Get-DataMeshConfig -Path $path } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'DataMesh.ConfigInvalid,*'
            $err.CategoryInfo.Category | Should -Be 'InvalidData'
            $err.TargetObject | Should -Be $path
            $err.Exception.Key | Should -Be 'storage.chunk_size'
            $err.Exception.Line | Should -Be 3
            $err.Exception.Message | Should -BeLike "*$path*:3*storage.chunk_size*"
        }

        It 'fails with DataMesh.ConfigInvalid for an unknown key' {
            $path = Join-Path $TestDrive 'unknown.toml'
            Set-Content $path "[performance.chunks]`nmax_parallel = 3`n"
            $err = { Get-DataMeshConfig -Path $path } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'DataMesh.ConfigInvalid,*'
            $err.Exception.Line | Should -Be 2
        }

        It 'fails with DataMesh.ConfigNotFound for a missing explicit file' {
            $err = { Get-DataMeshConfig -Path (Join-Path $TestDrive 'missing.toml') } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'DataMesh.ConfigNotFound,*'
            $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'writes DataMesh.ConfigKeyUnknown for a -Key that matches nothing' {
            $result = Get-DataMeshConfig -Key network.nope, network.dht_mode -ErrorVariable problems -ErrorAction SilentlyContinue
            $result.Key | Should -Be 'network.dht_mode'
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'DataMesh.ConfigKeyUnknown,*'
            $problems[0].TargetObject | Should -Be 'network.nope'
        }

        It 'fails with DataMesh.ConfigInvalid naming the variable for a bad environment value' {
            $env:DATAMESH_MAX_CONCURRENT_RETRIEVALS = 'many'
            $err = { Get-DataMeshConfig -Path $repoConfig } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'DataMesh.ConfigInvalid,*'
            $err.Exception.Key | Should -Be 'performance.chunks.max_concurrent_retrievals'
            $err.Exception.Message | Should -Match 'DATAMESH_MAX_CONCURRENT_RETRIEVALS'
        }

        It 'routes engine debug logs to the debug stream' {
            # -Debug would ask to continue at every message; the preference variable only shows them.
            $DebugPreference = 'Continue'
            $debug = Get-DataMeshConfig -Key storage.chunk_size -Path $repoConfig 5>&1 | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }
            ($debug | Out-String) | Should -Match 'storage\.chunk_size = 1048576 from .*config\.toml:\d+'
        }

        It 'routes engine logs to the verbose stream' {
            $verbose = Get-DataMeshConfig -Path $repoConfig -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            ($verbose | Out-String) | Should -Match 'Read configuration file .*config\.toml \(33 keys set\)'
        }
    }

    Describe 'Set-DataMeshConfig' {
        BeforeEach {
            $path = Join-Path $TestDrive 'set.toml'
            Set-Content $path -NoNewline -Value "# my node`n[performance.chunks]`nmax_concurrent_uploads = 2 # slow disk`n"
        }

        It 'changes one key and keeps comments' {
            Set-DataMeshConfig -Key performance.chunks.max_concurrent_uploads -Value 6 -Path $path
            Get-Content $path -Raw | Should -Be "# my node`n[performance.chunks]`nmax_concurrent_uploads = 6 # slow disk`n"
            (Get-DataMeshConfig performance.chunks.max_concurrent_uploads -Path $path).Value | Should -Be 6
        }

        It 'writes nothing with -WhatIf' {
            Set-DataMeshConfig performance.chunks.max_concurrent_uploads 6 -Path $path -WhatIf
            Get-Content $path -Raw | Should -Be "# my node`n[performance.chunks]`nmax_concurrent_uploads = 2 # slow disk`n"
        }

        It 'adds lists and returns the entry with -PassThru' {
            $entry = Set-DataMeshConfig network.listen_addresses '/ip4/127.0.0.1/tcp/4101', '/ip6/::1/tcp/4101' -Path $path -PassThru
            $entry.Value | Should -Be @('/ip4/127.0.0.1/tcp/4101', '/ip6/::1/tcp/4101')
            $entry.Origin | Should -Be "${path}:6"
        }

        It 'creates a missing file' {
            $new = Join-Path $TestDrive 'dir/new.toml'
            Set-DataMeshConfig storage.storage_enabled $false -Path $new
            (Get-DataMeshConfig storage.storage_enabled -Path $new).Value | Should -BeFalse
        }

        It 'resolves relative paths against the current location' {
            Push-Location $TestDrive
            try {
                Set-DataMeshConfig storage.data_dir ./store -Path $path
            }
            finally {
                Pop-Location
            }
            (Get-DataMeshConfig storage.data_dir -Path $path).Value | Should -Be (Join-Path $TestDrive 'store')
        }

        It 'rejects a bad value with DataMesh.ConfigValueInvalid and leaves the file alone' {
            Set-DataMeshConfig performance.chunks.max_concurrent_uploads 0 -Path $path -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'DataMesh.ConfigValueInvalid,*'
            $problems[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $problems[0].Exception.Key | Should -Be 'performance.chunks.max_concurrent_uploads'
            Get-Content $path -Raw | Should -Match 'max_concurrent_uploads = 2 # slow disk'
        }

        It 'rejects an unknown key with DataMesh.ConfigKeyUnknown' {
            Set-DataMeshConfig performance.chunks.max_parallel 3 -Path $path -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'DataMesh.ConfigKeyUnknown,*'
        }

        It 'takes key and value from the pipeline by property name' {
            [pscustomobject]@{ Key = 'network.replication_factor'; Value = 5 }, [pscustomobject]@{ Key = 'network.dht_mode'; Value = 'client' } |
                Set-DataMeshConfig -Path $path
            (Get-DataMeshConfig network.replication_factor -Path $path).Value | Should -Be 5
            (Get-DataMeshConfig network.dht_mode -Path $path).DisplayValue | Should -Be '"client"'
        }
    }

    Describe 'Tab completion' {
        It 'completes configuration keys for -Key' {
            $line = 'Set-DataMeshConfig -Key performance.chunks.max_'
            (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText |
                Should -Be @('performance.chunks.max_concurrent_retrievals', 'performance.chunks.max_concurrent_uploads')
        }

        It 'completes the values of a mode key' {
            $line = 'Set-DataMeshConfig -Key network.dht_mode -Value '
            (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText | Should -Be @('server', 'client', 'auto')
        }
    }

    Describe 'Scripts' {
        It 'a pwsh -File script that hits a configuration error exits non-zero' {
            $bad = Join-Path $TestDrive 'broken.toml'
            Set-Content $bad "[network]`ndht_mode = `"everything`"`n"
            $script = Join-Path $TestDrive 'uses-config.ps1'
            Set-Content $script -Value @(
                "`$ErrorActionPreference = 'Stop'"
                "Import-Module '$ModulePath'"
                "Get-DataMeshConfig -Path '$bad'"
                "'unreachable'"
            )
            $run = Invoke-PwshFile $script
            $run.ExitCode | Should -Not -Be 0
            $run.Output | Should -Match 'network\.dht_mode'
            $run.Output | Should -Not -Match 'unreachable'
        }

        It 'a pwsh -File script with a valid configuration exits zero' {
            $script = Join-Path $TestDrive 'ok.ps1'
            Set-Content $script -Value @(
                "`$ErrorActionPreference = 'Stop'"
                "Import-Module '$ModulePath'"
                "(Get-DataMeshConfig storage.chunk_size -Path '$repoConfig').Value"
            )
            $run = Invoke-PwshFile $script
            $run.ExitCode | Should -Be 0
            $run.Output.Trim() | Should -Be '1048576'
        }
    }
}
