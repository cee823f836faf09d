# The DHT cmdlets on a real loopback mesh: five storage nodes joined as a chain (each bootstraps from the one
# before it only) and a client that bootstraps from the first, so everything beyond that is learned via the DHT.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module $ModulePath -Force

    $root = Join-Path ([IO.Path]::GetTempPath()) ('dm-pester-dht-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $root | Out-Null
    $configPath = Join-Path $root 'config.toml'
    "[network]`nreplication_factor = 2`n" | Set-Content -LiteralPath $configPath

    $storage = @()
    for ($i = 0; $i -lt 5; $i++) {
        $bootstrap = @($storage | Select-Object -Last 1 | ForEach-Object DialAddresses)
        $storage += Start-DataMeshNode -ListenAddress /ip4/127.0.0.1/tcp/0 -DataPath (Join-Path $root "storage$i") -ConfigPath $configPath -Bootstrap $bootstrap
    }
    $client = Start-DataMeshNode -ClientMode -ListenAddress /ip4/127.0.0.1/tcp/0 -DataPath (Join-Path $root 'client') -ConfigPath $configPath -Bootstrap $storage[0].DialAddresses
}

AfterAll {
    Get-DataMeshNode | Stop-DataMeshNode
    Remove-Module DataMesh -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Start-DataMeshNode -Bootstrap and Get-DataMeshPeer -RoutingTable' {
    It 'fills the routing table from one bootstrap peer with every storage node' {
        $table = @(Get-DataMeshPeer -RoutingTable -Session $client)
        ($table.PeerId | Sort-Object) | Should -Be ($storage.PeerId | Sort-Object)
        $table | ForEach-Object {
            $_ | Should -BeOfType DataMesh.PowerShell.Output.DataMeshPeerInfo
            $_.InRoutingTable | Should -BeTrue
            $_.Bucket | Should -BeGreaterOrEqual 0
            $_.Protocols | Should -Contain '/datamesh/kad/1.0.0'
        }
    }

    It 'keeps client-mode nodes out of the storage nodes'' routing tables' {
        foreach ($node in $storage) {
            (Get-DataMeshPeer -RoutingTable -Session $node).PeerId | Should -Not -Contain $client.PeerId
        }
    }

    It 'marks connected peers that are in the routing table' {
        $connected = @(Get-DataMeshPeer -Session $client)
        $connected | Should -Not -BeNullOrEmpty
        $connected | ForEach-Object { $_.Connected | Should -BeTrue }
        ($connected | Where-Object PeerId -eq $storage[0].PeerId).InRoutingTable | Should -BeTrue
    }
}

Describe 'Find-DataMeshPeer' {
    It 'finds the addresses of another storage node' {
        $found = Find-DataMeshPeer -PeerId $storage[4].PeerId -Session $storage[0]
        $found | Should -BeOfType DataMesh.PowerShell.Output.DataMeshDhtPeer
        $found.PeerId | Should -Be $storage[4].PeerId
        $found.Addresses | Should -Contain $storage[4].ListenAddresses[0]
        $found.DialAddresses | Should -Contain $storage[4].DialAddresses[0]
    }

    It 'takes peer ids from the pipeline by property name' {
        $found = @($storage[3], $storage[2] | Find-DataMeshPeer -Session $client)
        $found.PeerId | Should -Be @($storage[3].PeerId, $storage[2].PeerId)
    }

    It 'reports a malformed peer id as DataMesh.PeerIdInvalid and goes on' {
        $found = @(Find-DataMeshPeer -PeerId 'not-a-peer', $storage[1].PeerId -Session $client -ErrorVariable findErrors -ErrorAction SilentlyContinue)
        $found.PeerId | Should -Be $storage[1].PeerId
        $findErrors[0].FullyQualifiedErrorId | Should -Be 'DataMesh.PeerIdInvalid,DataMesh.PowerShell.Commands.FindDataMeshPeerCommand'
        $findErrors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
}

Describe 'Publish-DataMeshRecord and Get-DataMeshRecord' {
    It 'round-trips a text record between two nodes' {
        $published = Publish-DataMeshRecord -Key status -Value 'online' -Session $storage[1]
        $published | Should -BeOfType DataMesh.PowerShell.Output.DataMeshRecord
        $published.Key | Should -Be "/dm/$($storage[1].PeerId)/status"
        $published.Publisher | Should -Be $storage[1].PeerId
        $published.Replicas | Should -BeGreaterThan 0
        $published.Expires | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.AddHours(35))

        $read = $published | Get-DataMeshRecord -Session $client
        $read.ValueText | Should -Be 'online'
        $read.Sequence | Should -Be $published.Sequence
        $read.Replicas | Should -BeNullOrEmpty
    }

    It 'round-trips bytes, reads by name and publisher, and returns the newest version' {
        $null = Publish-DataMeshRecord -Key blob -Value ([byte[]](1, 2, 3)) -Session $storage[2]
        $second = Publish-DataMeshRecord blob ([byte[]](0xff, 0xfe)) -Session $storage[2]
        $read = Get-DataMeshRecord -Key blob -Publisher $storage[2].PeerId -Session $storage[4]
        $read.Value | Should -Be ([byte[]](0xff, 0xfe))
        $read.ValueText | Should -BeNullOrEmpty
        $read.Length | Should -Be 2
        $read.Sequence | Should -Be $second.Sequence
    }

    It 'publishes nothing with -WhatIf' {
        $result = Publish-DataMeshRecord -Key whatif -Value 'x' -Session $storage[3] -WhatIf
        $result | Should -BeNullOrEmpty
        { Get-DataMeshRecord -Key whatif -Session $storage[3] -ErrorAction Stop } |
            Should -Throw -ErrorId 'DataMesh.RecordNotFound,DataMesh.PowerShell.Commands.GetDataMeshRecordCommand'
    }

    It 'reports bad keys and values with stable error ids' {
        { Publish-DataMeshRecord -Key 'a//b' -Value 'x' -Session $storage[0] -ErrorAction Stop } |
            Should -Throw -ErrorId 'DataMesh.RecordKeyInvalid,DataMesh.PowerShell.Commands.PublishDataMeshRecordCommand'
        { Publish-DataMeshRecord -Key ok -Value @{ a = 1 } -Session $storage[0] -ErrorAction Stop } |
            Should -Throw -ErrorId 'DataMesh.RecordValueInvalid,DataMesh.PowerShell.Commands.PublishDataMeshRecordCommand'
        { Publish-DataMeshRecord -Key ok -Value ([byte[]]::new(70000)) -Session $storage[0] -ErrorAction Stop } |
            Should -Throw -ErrorId 'DataMesh.RecordValueInvalid,DataMesh.PowerShell.Commands.PublishDataMeshRecordCommand'
        { Get-DataMeshRecord -Key '/other/x/y' -Session $storage[0] -ErrorAction Stop } |
            Should -Throw -ErrorId 'DataMesh.RecordKeyInvalid,DataMesh.PowerShell.Commands.GetDataMeshRecordCommand'
        { Get-DataMeshRecord -Key status -Publisher 'nope' -Session $storage[0] -ErrorAction Stop } |
            Should -Throw -ErrorId 'DataMesh.PeerIdInvalid,DataMesh.PowerShell.Commands.GetDataMeshRecordCommand'
    }

    It 'formats records as a table without errors' {
        $text = Get-DataMeshRecord -Key status -Publisher $storage[1].PeerId -Session $client | Out-String
        $text | Should -Match 'status'
        $text | Should -Match 'online'
    }
}

Describe 'Tab completion' {
    It 'completes -PeerId and -Publisher from the routing table and connections' {
        $prefix = $storage[2].PeerId.Substring(0, 12)
        $line = "Find-DataMeshPeer -PeerId $prefix"
        $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $completions | Should -Contain $storage[2].PeerId
        $line = "Get-DataMeshRecord status -Publisher $prefix"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain $storage[2].PeerId
    }
}
