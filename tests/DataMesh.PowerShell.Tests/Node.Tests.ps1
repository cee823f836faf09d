# A real mesh in this process: four storage nodes and a client on loopback TCP, each with its own data path,
# small chunks (64 KiB, 4+2, replication 2) so transfers take well under a second.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module $ModulePath -Force

    $mesh = Start-TestMesh 'dm-pester' 4
    $root, $configPath, $storage, $client = $mesh.Root, $mesh.ConfigPath, $mesh.Storage, $mesh.Client

    $source = New-RandomFile $root 'source.bin' 3MB 42
}

AfterAll {
    Get-DataMeshNode | Stop-DataMeshNode
    Remove-Module DataMesh -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Node sessions' {
    It 'starts every node on a real port with its own data path' {
        $nodes = @(Get-DataMeshNode)
        $nodes.Count | Should -Be 5
        foreach ($node in $storage + $client) {
            $node.ListenAddresses[0] | Should -Match '^/ip4/127\.0\.0\.1/tcp/[1-9][0-9]*$'
            $node.DialAddresses[0] | Should -Be "$($node.ListenAddresses[0])/p2p/$($node.PeerId)"
            Join-Path $node.DataPath 'node.key' | Should -Exist
        }
        @($nodes.DataPath | Sort-Object -Unique).Count | Should -Be 5
        $client.StorageEnabled | Should -BeFalse
        $storage[0].StorageEnabled | Should -BeTrue
    }

    It 'makes the most recently started node the default' {
        (Get-DataMeshNode | Where-Object IsDefault).PeerId | Should -Be $client.PeerId
    }

    It 'refuses a second node on a data path in use' {
        { Start-DataMeshNode -ListenAddress /ip4/127.0.0.1/tcp/0 -DataPath $storage[0].DataPath -ConfigPath $configPath -ErrorAction Stop } |
            Should -Throw -ErrorId 'DataMesh.DataPathInUse,DataMesh.PowerShell.Commands.StartDataMeshNodeCommand'
    }

    It 'reports an unreachable bootstrap peer as a non-terminating error and still starts' {
        $node = Start-DataMeshNode -ListenAddress /ip4/127.0.0.1/tcp/0 -DataPath (Join-Path $root 'lonely') -ConfigPath $configPath `
            -Bootstrap '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWD4WybiYEutBFPy93VCse2zY9ENaXHeetkyAK1LnLLusP' -ErrorVariable bootErrors -ErrorAction SilentlyContinue
        try {
            $node.PeerId | Should -Not -BeNullOrEmpty
            $bootErrors[0].FullyQualifiedErrorId | Should -BeLike 'DataMesh.BootstrapFailed,*'
            $bootErrors[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        }
        finally {
            Stop-DataMeshNode -Session $node
        }
        (Get-DataMeshNode | Where-Object IsDefault).PeerId | Should -Be $client.PeerId
    }

    It 'warns about one dead bootstrap address among three and joins through the others' {
        $dead = '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWD4WybiYEutBFPy93VCse2zY9ENaXHeetkyAK1LnLLusP'
        $node = Start-DataMeshNode -ListenAddress /ip4/127.0.0.1/tcp/0 -DataPath (Join-Path $root 'three-bootstraps') -ConfigPath $configPath `
            -Bootstrap @($storage[0].DialAddresses[0], $dead, $storage[1].DialAddresses[0]) -ErrorVariable bootErrors -WarningVariable bootWarnings `
            -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        try {
            $bootErrors | Should -BeNullOrEmpty
            @($bootWarnings).Count | Should -Be 1
            "$($bootWarnings[0])" | Should -BeLike "*$dead*"
            (Get-DataMeshPeer -Session $node).PeerId | Should -Contain $storage[0].PeerId
        }
        finally {
            Stop-DataMeshNode -Session $node
        }
    }

    It 'names every address tried when no bootstrap peer is reachable' {
        $deadA = '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWD4WybiYEutBFPy93VCse2zY9ENaXHeetkyAK1LnLLusP'
        $deadB = '/ip4/127.0.0.1/tcp/2/p2p/12D3KooWD4WybiYEutBFPy93VCse2zY9ENaXHeetkyAK1LnLLusP'
        $node = Start-DataMeshNode -ListenAddress /ip4/127.0.0.1/tcp/0 -DataPath (Join-Path $root 'no-bootstrap') -ConfigPath $configPath `
            -Bootstrap @($deadA, $deadB) -ErrorVariable bootErrors -ErrorAction SilentlyContinue
        try {
            @($bootErrors).Count | Should -Be 1
            $bootErrors[0].FullyQualifiedErrorId | Should -BeLike 'DataMesh.BootstrapFailed,*'
            $bootErrors[0].Exception.Message | Should -BeLike '*No bootstrap peer reachable*'
            $bootErrors[0].Exception.Message | Should -BeLike "*$deadA*"
            $bootErrors[0].Exception.Message | Should -BeLike "*$deadB*"
        }
        finally {
            Stop-DataMeshNode -Session $node
        }
    }

    It 'runs a node with -Wait until the pipeline is stopped, then stops it' {
        $dataPath = Join-Path $root 'waiting'
        # The runspace imports the module itself, so the pipeline is the one command: stopping a batch of statements
        # races PowerShell's own batch worker against Dispose (an InvalidRunspaceStateException on a worker thread).
        $state = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
        $state.ImportPSModule([string[]] @($ModulePath))
        $ps = [powershell]::Create($state)
        try {
            $null = $ps.AddCommand('Start-DataMeshNode').AddParameter('ListenAddress', '/ip4/127.0.0.1/tcp/0').
                AddParameter('DataPath', $dataPath).AddParameter('ConfigPath', $configPath).AddParameter('Wait')
            $async = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(15)
            while (-not (Get-DataMeshNode | Where-Object DataPath -eq $dataPath) -and -not $async.IsCompleted -and [DateTime]::UtcNow -lt $deadline) {
                Start-Sleep -Milliseconds 20
            }
            Get-DataMeshNode | Where-Object DataPath -eq $dataPath | Should -Not -BeNullOrEmpty
            $async.IsCompleted | Should -BeFalse -Because '-Wait keeps the command running'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 1
            Get-DataMeshNode | Where-Object DataPath -eq $dataPath | Should -BeNullOrEmpty
            (Get-DataMeshNode | Where-Object IsDefault).PeerId | Should -Be $client.PeerId
        }
        finally {
            # Observe the invocation's end (Stop makes EndInvoke throw PipelineStoppedException) and close the
            # runspace before disposing: an invocation left unobserved ends on a thread-pool thread later.
            if ($async) {
                if (-not $async.IsCompleted) { $ps.Stop() }
                try { $null = $ps.EndInvoke($async) } catch [System.Management.Automation.PipelineStoppedException] { }
            }
            $ps.Dispose()
        }
    }
}

Describe 'Peers' {
    It 'pings a peer and returns the round-trip time' {
        $pings = @(Test-DataMeshPeer -Address $storage[0].DialAddresses[0] -Count 2)
        $pings.Count | Should -Be 2
        $pings[0].PeerId | Should -Be $storage[0].PeerId
        $pings[0].Rtt | Should -BeOfType [TimeSpan]
        $pings[0].Rtt | Should -BeGreaterThan ([TimeSpan]::Zero)
    }

    It 'reports a bad address with DataMesh.AddressInvalid' {
        Test-DataMeshPeer -Address 'not-a-multiaddr' -ErrorVariable pingErrors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $pingErrors[0].FullyQualifiedErrorId | Should -BeLike 'DataMesh.AddressInvalid,*'
        $pingErrors[0].TargetObject | Should -Be 'not-a-multiaddr'
    }

    It 'lists connected peers with their Identify information' {
        $peers = @(Get-DataMeshPeer)
        $peers.Count | Should -Be 4
        ($peers.PeerId | Sort-Object) | Should -Be ($storage.PeerId | Sort-Object)
        foreach ($peer in $peers) {
            $peer.AgentVersion | Should -BeLike 'datamesh/*'
            $peer.Direction | Should -Be 'Outbound'
            $peer.Protocols | Should -Contain '/ipfs/ping/1.0.0'
        }
    }

    It 'uses the node given with -Session' {
        $peers = @(Get-DataMeshPeer -Session $storage[0])
        $peers.PeerId | Should -Contain $client.PeerId
        ($peers | Where-Object PeerId -eq $client.PeerId).Direction | Should -Be 'Inbound'
    }
}

Describe 'Send and receive' {
    BeforeAll {
        $sent = Send-DataMeshFile -Path $source -MaxConcurrency 8 -Tag pester
    }

    It 'sends a file and returns its key and figures' {
        $sent.FileKey | Should -Match '^dm1'
        $sent.Name | Should -Be 'source.bin'
        $sent.Size | Should -Be 3MB
        $sent.Shards | Should -Be 72   # 48 chunks of 64 KiB = 12 stripes of 4 data + 2 parity shards
        $sent.Duration | Should -BeGreaterThan ([TimeSpan]::Zero)
        $sent.ThroughputMBps | Should -BeGreaterThan 0
    }

    It 'receives the file byte for byte' {
        $target = Join-Path $root 'received.bin'
        $received = Receive-DataMeshFile -FileKey $sent.FileKey -Destination $target -MaxConcurrency 8
        $received.Path | Should -Be $target
        $received.Size | Should -Be 3MB
        (Get-FileHash -LiteralPath $target -Algorithm SHA256).Hash | Should -Be (Get-FileHash -LiteralPath $source -Algorithm SHA256).Hash
    }

    It 'shows one progress bar per file with a child bar per busy peer, and closes them all' {
        $state = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
        $state.ImportPSModule([string[]] @($ModulePath))
        $ps = [powershell]::Create($state)
        try {
            $null = $ps.AddCommand('Send-DataMeshFile').AddParameter('Path', $source).AddParameter('MaxConcurrency', 8).
                AddParameter('Session', $client.Session)
            $null = $ps.Invoke()
            $records = @($ps.Streams.Progress)
        }
        finally {
            $ps.Dispose()
        }
        $parents = @($records | Where-Object { $_.ParentActivityId -eq -1 -and $_.Activity -like 'Sending source.bin' })
        $parents.Count | Should -BeGreaterThan 1
        $parentId = $parents[0].ActivityId
        $parents[-1].RecordType | Should -Be 'Completed'
        $children = @($records | Where-Object ParentActivityId -eq $parentId)
        $children.Count | Should -BeGreaterThan 0
        $children | ForEach-Object { $_.Activity | Should -BeLike 'Peer *' }
        foreach ($group in $children | Group-Object ActivityId) {
            $group.Group[-1].RecordType | Should -Be 'Completed' -Because "peer bar $($group.Name) must be closed"
        }
    }

    It 'completes -FileKey from the catalog and -Address from connected peers' {
        $line = 'Receive-DataMeshFile -FileKey dm1'
        (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText | Should -Contain $sent.FileKey
        $line = 'Receive-DataMeshFile -FileKey source'
        (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText | Should -Contain $sent.FileKey
        $line = 'Test-DataMeshPeer -Address /ip4/'
        $addresses = (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText
        foreach ($node in $storage) {
            @($addresses | Where-Object { $_ -like "*/p2p/$($node.PeerId)" }).Count | Should -BeGreaterThan 0
        }
    }

    It 'binds FileKey from Get-DataMeshFile through the pipeline' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $root 'restore') -Force
        $listed = @(Get-DataMeshFile -Tag pester)
        $listed.Count | Should -Be 1
        $listed[0].FileKey | Should -Be $sent.FileKey
        $received = $listed | Receive-DataMeshFile -Destination $folder.FullName
        $received.Path | Should -Be (Join-Path $folder.FullName 'source.bin')
        (Get-FileHash -LiteralPath $received.Path).Hash | Should -Be (Get-FileHash -LiteralPath $source).Hash
    }

    It 'binds Path from Get-ChildItem through the pipeline' {
        $sentAgain = Get-ChildItem -LiteralPath $source | Send-DataMeshFile
        $sentAgain.Path | Should -Be $source
        $sentAgain.FileKey | Should -Match '^dm1'
    }

    It 'refuses to overwrite without -Force and overwrites with it' {
        $target = Join-Path $root 'exists.bin'
        Set-Content -LiteralPath $target -Value 'old'
        Receive-DataMeshFile -FileKey $sent.FileKey -Destination $target -ErrorVariable receiveErrors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $receiveErrors[0].FullyQualifiedErrorId | Should -BeLike 'DataMesh.DestinationExists,*'
        (Receive-DataMeshFile -FileKey $sent.FileKey -Destination $target -Force).Size | Should -Be 3MB
    }

    It 'reports a bad file key with DataMesh.FileKeyInvalid and carries on with the next key' {
        $results = @(Receive-DataMeshFile -FileKey 'dm1bogus', $sent.FileKey -Destination (Join-Path $root 'after-bad.bin') -ErrorVariable keyErrors -ErrorAction SilentlyContinue)
        $keyErrors.Count | Should -Be 1
        $keyErrors[0].FullyQualifiedErrorId | Should -Be 'DataMesh.FileKeyInvalid,DataMesh.PowerShell.Commands.ReceiveDataMeshFileCommand'
        $keyErrors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $keyErrors[0].TargetObject | Should -Be 'dm1bogus'
        $results.Count | Should -Be 1
    }

    It 'reports a missing file with DataMesh.FileNotFound' {
        Send-DataMeshFile -Path (Join-Path $root 'missing.bin') -ErrorVariable sendErrors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $sendErrors[0].FullyQualifiedErrorId | Should -BeLike 'DataMesh.FileNotFound,*'
        $sendErrors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'returns sortable peer statistics after the transfers' {
        $stats = @(Get-DataMeshPeerStats | Sort-Object Latency)
        $stats.Count | Should -Be 4
        $stats[0].Latency | Should -BeOfType [TimeSpan]
        $stats[0].Latency | Should -BeLessOrEqual $stats[-1].Latency
        $stats | ForEach-Object { $_.Requests | Should -BeGreaterThan 0; $_.SuccessRate | Should -BeGreaterThan 0 }
    }

    It 'stops a transfer within a second when the pipeline is stopped' {
        $big = New-RandomFile $root 'big.bin' 48MB 7
        # One-command pipeline, module imported by the runspace (see the -Wait test).
        $state = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
        $state.ImportPSModule([string[]] @($ModulePath))
        $ps = [powershell]::Create($state)
        try {
            $null = $ps.AddCommand('Send-DataMeshFile').AddParameter('Path', $big).AddParameter('Session', $client.Session)
            $before = (Get-DataMeshPeerStats -Session $client | Measure-Object Requests -Sum).Sum
            $async = $ps.BeginInvoke()
            # Stop once shards are being uploaded (the client's request count grows), not while the module imports.
            $deadline = [DateTime]::UtcNow.AddSeconds(15)
            while ((Get-DataMeshPeerStats -Session $client | Measure-Object Requests -Sum).Sum -lt $before + 20 -and
                -not $async.IsCompleted -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            # (Count, not the collection: enumerating an open PSDataCollection blocks until the command ends.)
            $ps.Streams.Error.Count | Should -Be 0
            $async.IsCompleted | Should -BeFalse -Because 'the transfer should still be running'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 1
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally {
            $ps.Dispose()
        }
    }
}

Describe 'Resuming interrupted transfers' {
    BeforeAll {
        # Starts a cmdlet in a runspace of its own, waits until $Until says enough was done, and stops it: Ctrl+C.
        function Stop-Midway([string] $Command, [hashtable] $Parameters, [scriptblock] $Until) {
            # The module is imported by the runspace itself, so the pipeline is the one command: stopping a batch of
            # statements races PowerShell's own batch worker against Dispose.
            $state = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
            $state.ImportPSModule([string[]] @($ModulePath))
            $ps = [powershell]::Create($state)
            try {
                $null = $ps.AddCommand($Command)
                foreach ($name in $Parameters.Keys) { $null = $ps.AddParameter($name, $Parameters[$name]) }
                $async = $ps.BeginInvoke()
                $deadline = [DateTime]::UtcNow.AddSeconds(30)
                while (-not (& $Until) -and -not $async.IsCompleted -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 10 }
                $async.IsCompleted | Should -BeFalse -Because 'the transfer should be stopped midway, not finish'
                $ps.Stop()
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            }
            finally {
                $ps.Dispose()
            }
        }

        $resumable = New-RandomFile $root 'resumable.bin' 16MB 8
    }

    It 'continues an interrupted Send-DataMeshFile when it is rerun with the same arguments' {
        # (The send stopped by an earlier test left its own journal; only this file's journal is looked at.)
        $journals = Join-Path $client.DataPath 'journals'
        $earlier = @(Get-ChildItem -LiteralPath $journals -Filter '*.dmjournal' -ErrorAction SilentlyContinue).Name
        $before = (Get-DataMeshPeerStats -Session $client | Measure-Object Requests -Sum).Sum
        Stop-Midway 'Send-DataMeshFile' @{ Path = $resumable; Session = $client.Session } {
            (Get-DataMeshPeerStats -Session $client | Measure-Object Requests -Sum).Sum -ge $before + 200
        }
        @(Get-ChildItem -LiteralPath $journals -Filter '*.dmjournal' | Where-Object Name -NotIn $earlier).Count | Should -Be 1

        $script:resent = Send-DataMeshFile -Path $resumable -Session $client

        $resent.Resumed | Should -BeTrue
        $resent.ShardsSkipped | Should -BeGreaterThan 0
        $resent.ShardsSkipped | Should -BeLessThan $resent.Shards
        @(Get-ChildItem -LiteralPath $journals -Filter '*.dmjournal' | Where-Object Name -NotIn $earlier).Count | Should -Be 0 -Because 'the journal of a finished send is deleted'
    }

    It 'continues an interrupted Receive-DataMeshFile when it is rerun with the same arguments' {
        $folder = Join-Path $root 'resume-receive'
        New-Item -ItemType Directory -Path $folder | Out-Null
        $target = Join-Path $folder 'resumable.bin'
        Stop-Midway 'Receive-DataMeshFile' @{ FileKey = $resent.FileKey; Destination = $target; Session = $client.Session } {
            # At least a few stripes written: the journal beside the partial file has grown past its header.
            $journal = @(Get-ChildItem -LiteralPath $folder -Force -Filter '*.dmjournal')
            $journal.Count -eq 1 -and $journal[0].Length -gt 200
        }
        $target | Should -Not -Exist
        @(Get-ChildItem -LiteralPath $folder -Force -Filter '*.partial').Count | Should -Be 1

        $received = Receive-DataMeshFile -FileKey $resent.FileKey -Destination $target -Session $client

        $received.Resumed | Should -BeTrue
        $received.StripesSkipped | Should -BeGreaterThan 0
        (Get-FileHash -LiteralPath $target).Hash | Should -Be (Get-FileHash -LiteralPath $resumable).Hash
        @(Get-ChildItem -LiteralPath $folder -Force).Name | Should -Be 'resumable.bin'
    }
}

Describe 'Scripts' {
    It 'exits non-zero when Receive-DataMeshFile fails under -ErrorAction Stop in a client-mode session of its own' {
        # The child process has no node: Receive starts a client from DATAMESH_CONFIG, bootstraps to this mesh and
        # fetches the manifest, but the file was not shared with the child's own identity.
        $sent = Send-DataMeshFile -Path $source -Session $client
        $childConfig = Join-Path $root 'child.toml'
        $bootstrap = ($storage | ForEach-Object { "'$($_.DialAddresses[0])'" }) -join ', '
        @"
[network]
replication_factor = 2
bootstrap_nodes = [$bootstrap]

[storage]
data_dir = '$(Join-Path $root 'child-data')'
"@ | Set-Content -LiteralPath $childConfig
        $script = Join-Path $root 'receive.ps1'
        @"
`$ErrorView = 'NormalView'
Import-Module '$ModulePath'
Receive-DataMeshFile -FileKey '$($sent.FileKey)' -Destination '$(Join-Path $root 'child.bin')' -ErrorAction Stop
'not reached'
"@ | Set-Content -LiteralPath $script
        $run = Invoke-PwshFile $script -Environment @{ DATAMESH_CONFIG = $childConfig }
        $run.ExitCode | Should -Not -Be 0 -Because $run.Output
        $run.Output | Should -Not -Match 'not reached'
        $run.Output | Should -Match 'DataMesh.NotARecipient'
    }
}

Describe 'Module removal' {
    It 'stops every node, freeing its port' {
        $node = Start-DataMeshNode -ListenAddress /ip4/127.0.0.1/tcp/0 -DataPath (Join-Path $root 'removal') -ConfigPath $configPath
        $port = [int]($node.ListenAddresses[0] -split '/')[-1]
        Remove-Module DataMesh
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, $port)
        try {
            { $listener.Start() } | Should -Not -Throw
        }
        finally {
            $listener.Stop()
            Import-Module $ModulePath
        }
        @(Get-DataMeshNode).Count | Should -Be 0
    }
}
