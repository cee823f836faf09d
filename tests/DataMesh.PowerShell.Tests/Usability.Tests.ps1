# What a user meets first when running the module for real: destinations, messages, confirmation, units, formatting
# at 80 columns, JSON and CSV conversion, verbose output. A mesh of four storage nodes and a client on loopback TCP,
# small chunks (64 KiB, 4+2, replication 2).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module $ModulePath -Force

    $mesh = Start-TestMesh 'dm-usability' 4
    $root, $configPath, $storage, $client = $mesh.Root, $mesh.ConfigPath, $mesh.Storage, $mesh.Client

    $one = Send-DataMeshFile -Path (New-RandomFile $root 'one.bin' 150KB 1) -Tag usability, 'first tag'
    $two = Send-DataMeshFile -Path (New-RandomFile $root 'two.bin' 90KB 2) -Tag usability
}

AfterAll {
    Get-DataMeshNode | Stop-DataMeshNode
    Remove-Module DataMesh -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Receive-DataMeshFile -Destination' {
    It 'receives into a missing folder named with a trailing separator, creating it' {
        $folder = Join-Path $root 'downloads'
        $received = Receive-DataMeshFile $one.FileKey -Destination ($folder + [IO.Path]::DirectorySeparatorChar)
        Test-Path -LiteralPath $folder -PathType Container | Should -BeTrue
        $received.Path | Should -Be (Join-Path $folder 'one.bin')
        (Get-FileHash -LiteralPath $received.Path).Hash | Should -Be (Get-FileHash -LiteralPath $one.Path).Hash
    }

    It 'receives several piped files into a missing folder without a trailing separator' {
        $folder = Join-Path $root 'restore'
        $received = @($one, $two | Receive-DataMeshFile -Destination $folder)
        $received.Count | Should -Be 2
        Test-Path -LiteralPath $folder -PathType Container | Should -BeTrue
        $received.Path | Should -Be @((Join-Path $folder 'one.bin'), (Join-Path $folder 'two.bin'))
    }

    It 'receives several keys given at once into a folder' {
        $folder = Join-Path $root 'both'
        $received = @(Receive-DataMeshFile $one.FileKey, $two.FileKey -Destination $folder)
        $received.Path | Should -Be @((Join-Path $folder 'one.bin'), (Join-Path $folder 'two.bin'))
    }

    It 'writes one piped file to a path without a trailing separator' {
        $target = Join-Path $root 'single-copy.bin'
        $received = $two | Receive-DataMeshFile -Destination $target
        $received.Path | Should -Be $target
        Test-Path -LiteralPath $target -PathType Leaf | Should -BeTrue
    }

    It 'says to use -Force when the destination exists' {
        $target = Join-Path $root 'exists.bin'
        Set-Content -LiteralPath $target -Value 'already here'
        Receive-DataMeshFile $one.FileKey -Destination $target -ErrorVariable existsErrors -ErrorAction SilentlyContinue
        $existsErrors[0].FullyQualifiedErrorId | Should -BeLike 'DataMesh.DestinationExists,*'
        "$($existsErrors[0])" | Should -Match '-Force'
        "$($existsErrors[0])" | Should -Not -Match 'Overwrite'
    }

    It 'replaces an existing file with -Force only through ShouldProcess (-WhatIf changes nothing)' {
        $target = Join-Path $root 'replace.bin'
        Set-Content -LiteralPath $target -Value 'keep me'
        $before = (Get-FileHash -LiteralPath $target).Hash
        Receive-DataMeshFile $one.FileKey -Destination $target -Force -WhatIf | Should -BeNullOrEmpty
        (Get-FileHash -LiteralPath $target).Hash | Should -Be $before
        Receive-DataMeshFile $one.FileKey -Destination $target -Force | Out-Null
        (Get-FileHash -LiteralPath $target).Hash | Should -Be (Get-FileHash -LiteralPath $one.Path).Hash
    }
}

Describe 'Messages' {
    It 'says a directory given to Send-DataMeshFile -Path is a directory, and how to send its files' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $root 'a-folder') -Force
        Send-DataMeshFile -Path $folder.FullName -ErrorVariable sendErrors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        "$($sendErrors[0])" | Should -Match 'is a directory'
        "$($sendErrors[0])" | Should -Match 'Get-ChildItem .* -File \| Send-DataMeshFile'
        "$($sendErrors[0])" | Should -Not -Match 'no such file'
    }

    It 'rejects a -Bootstrap address without a /p2p part with the message the configuration gives' {
        $address = '/ip4/127.0.0.1/tcp/4001'
        Set-DataMeshConfig -Key network.bootstrap_nodes -Value $address -Path (Join-Path $root 'bootstrap-check.toml') -ErrorVariable configErrors -ErrorAction SilentlyContinue
        $configErrors.Count | Should -Be 1
        $thrown = { Start-DataMeshNode -ClientMode -ListenAddress /ip4/127.0.0.1/tcp/0 -DataPath (Join-Path $root 'no-peer-id') -ConfigPath $configPath -Bootstrap $address } |
            Should -Throw -ErrorId 'DataMesh.ConfigValueInvalid,*' -PassThru
        $thrown.Exception.Message | Should -Be $configErrors[0].Exception.Message
        $thrown.Exception.Message | Should -Match '/p2p/<peer id>'
        Get-DataMeshNode | Where-Object DataPath -like '*no-peer-id*' | Should -BeNullOrEmpty
    }
}

Describe 'New-DataMeshIdentity' {
    It 'creates without asking, and asks before replacing an identity unless -Confirm:$false' {
        $dir = Join-Path $root 'identity-confirm'
        $script = Join-Path $root 'identity-confirm.ps1'
        Set-Content -LiteralPath $script -Value @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($ModulePath.Replace("'", "''"))'
`$created = New-DataMeshIdentity -DataPath '$($dir.Replace("'", "''"))'
'created ' + `$created.Fingerprint
try { `$replaced = New-DataMeshIdentity -DataPath '$($dir.Replace("'", "''"))' -Force; 'replaced without asking ' + `$replaced.Fingerprint }
catch { 'asked: ' + `$_.Exception.GetType().Name }
`$confirmed = New-DataMeshIdentity -DataPath '$($dir.Replace("'", "''"))' -Force -Confirm:`$false
'replaced with -Confirm:`$false ' + `$confirmed.Fingerprint
"@
        # A non-interactive pwsh cannot prompt: a command that asks fails there instead of going ahead.
        $run = Invoke-PwshFile $script
        $run.Output | Should -Match 'created '
        $run.Output | Should -Match 'asked: '
        $run.Output | Should -Not -Match 'replaced without asking'
        $run.Output | Should -Match 'replaced with -Confirm:\$false '
    }
}

Describe 'Units and conversion' {
    It 'reports peer throughput in MB/s under a name that says so, like the transfer results' {
        $stats = @(Get-DataMeshPeerStats | Where-Object BytesReceived -gt 0)
        $stats.Count | Should -BeGreaterThan 0
        $stats[0].PSObject.Properties.Name | Should -Contain 'ThroughputMBps'
        $stats[0].PSObject.Properties.Name | Should -Not -Contain 'Throughput'
        $one.PSObject.Properties.Name | Should -Contain 'ThroughputMBps'
        $one.PSObject.Properties.Name | Should -Not -Contain 'Throughput'
    }

    It 'converts the health status to JSON and CSV as its name' {
        $health = Test-DataMeshFile $one.FileKey
        $json = $health | Select-Object FileKey, Status | ConvertTo-Json | ConvertFrom-Json
        $json.Status | Should -Be 'Healthy'
        ($health | Select-Object Status | ConvertTo-Csv)[1] | Should -Be '"Healthy"'
    }

    It 'converts tags to CSV as text and to JSON as an array' {
        $file = Get-DataMeshFile | Where-Object FileKey -eq $one.FileKey
        $csv = $file | Select-Object Name, Tags | ConvertTo-Csv | ConvertFrom-Csv
        $csv.Tags | Should -Be 'usability;first tag'
        ($file | Select-Object Tags | ConvertTo-Json | ConvertFrom-Json).Tags | Should -Be @('usability', 'first tag')
        $file.Tags -contains 'first tag' | Should -BeTrue
    }
}

Describe 'Default views at 80 columns' {
    It 'shows the whole FileKey of <Name>' -ForEach @(
        @{ Name = 'Send-DataMeshFile'; Output = { $one } }
        @{ Name = 'Get-DataMeshFile'; Output = { Get-DataMeshFile | Where-Object FileKey -eq $one.FileKey } }
        @{ Name = 'Test-DataMeshFile'; Output = { Test-DataMeshFile $one.FileKey } }
        @{ Name = 'Repair-DataMeshFile'; Output = { Repair-DataMeshFile $one.FileKey } }
    ) {
        $text = & $Output | Out-String -Width 80
        $text | Should -Match ([regex]::Escape($one.FileKey))
        ($text -split "`n" | Measure-Object Length -Maximum).Maximum | Should -BeLessOrEqual 80
    }
}

Describe '-Verbose' {
    It 'says where each stripe went on send and who served it on receive, one line per stripe' {
        $source = New-RandomFile $root 'verbose.bin' 600KB 3   # 10 chunks of 64 KiB: 3 stripes of 4+2
        $sendLines = @(Send-DataMeshFile -Path $source -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $sent = Get-DataMeshFile | Where-Object Name -eq 'verbose.bin'
        $stored = @($sendLines | Where-Object { $_ -match '^Stripe \d+: \d+ shard\(s\) stored, \d+ copies on \d+ peer\(s\): ' })
        $stored.Count | Should -Be $sent.Stripes
        $stored[0] | Should -Match ([regex]::Escape($storage[0].PeerId.Substring(0, 8)))

        $target = Join-Path $root 'verbose-copy.bin'
        $receiveLines = @(Receive-DataMeshFile $sent.FileKey -Destination $target -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $served = @($receiveLines | Where-Object { $_ -match '^Stripe \d+: \d+ shard\(s\) \(\d+ parity\) from .+; \d+ hedge\(s\) fired, \d+ retry\(ies\), \d+ shard request\(s\) failed$' })
        $served.Count | Should -Be $sent.Stripes
    }
}
