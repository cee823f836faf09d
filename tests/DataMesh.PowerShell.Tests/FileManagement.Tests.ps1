# File management on a real mesh in this process: five storage nodes and a client on loopback TCP, small chunks
# (64 KiB, 4+2, replication 2). Test-, Repair- and Remove-DataMeshFile, New-DataMeshIdentity, -AsJob on the
# transfers and -PeerId completion.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module $ModulePath -Force

    $mesh = Start-TestMesh 'dm-files' 5
    $root, $configPath, $storage, $client = $mesh.Root, $mesh.ConfigPath, $mesh.Storage, $mesh.Client

}

AfterAll {
    Get-Job | Where-Object PSJobTypeName -eq 'DataMeshTransferJob' | Remove-Job -Force
    Get-DataMeshNode | Stop-DataMeshNode
    Remove-Module DataMesh -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Test-DataMeshFile' {
    BeforeAll {
        $sent = Send-DataMeshFile -Path (New-RandomFile $root 'health.bin' 600KB 1) -Tag health
    }

    It 'reports a fresh file Healthy, stripe by stripe, from the catalog through the pipeline' {
        $health = @(Get-DataMeshFile -Tag health | Test-DataMeshFile)
        $health.Count | Should -Be 1
        $health[0] | Should -BeOfType DataMesh.PowerShell.Output.DataMeshFileHealth
        $health[0].FileKey | Should -Be $sent.FileKey
        $health[0].Name | Should -Be 'health.bin'
        $health[0].Status | Should -Be 'Healthy'
        $health[0].IsHealthy | Should -BeTrue
        $health[0].StripeCount | Should -Be $sent.Stripes
        $health[0].Stripes | ForEach-Object { $_.AvailableShards | Should -Be 6; $_.MinHolders | Should -BeGreaterOrEqual 2 }
        $health[0].ManifestHolders.Count | Should -BeGreaterOrEqual $health[0].ManifestCopiesWanted
        # Five storage nodes hold at most five of a 4+2 stripe's six shards on distinct nodes: one loss at most,
        # below storage.tolerated_node_failures (2), so that is the target.
        $health[0].StoragePeers | Should -Be 5
        $health[0].TargetFailures | Should -Be 1
        $health[0].ToleratedFailures | Should -Be 1
        $health[0].Stripes | ForEach-Object { $_.ToleratedFailures | Should -BeGreaterOrEqual 1 }
    }

    It 'reports a bad key with DataMesh.FileKeyInvalid and an unknown one with DataMesh.FileNotOnMesh' {
        $results = @(Test-DataMeshFile -FileKey 'dm1bogus', $sent.FileKey -ErrorVariable testErrors -ErrorAction SilentlyContinue)
        $results.Count | Should -Be 1
        $testErrors[0].FullyQualifiedErrorId | Should -Be 'DataMesh.FileKeyInvalid,DataMesh.PowerShell.Commands.TestDataMeshFileCommand'
        $testErrors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $absent = (Send-DataMeshFile -Path (New-RandomFile $root 'gone.bin' 10KB 2)).FileKey
        Remove-DataMeshFile $absent
        Test-DataMeshFile $absent -ErrorVariable goneErrors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $goneErrors[0].FullyQualifiedErrorId | Should -BeLike 'DataMesh.FileNotOnMesh,*'
        $goneErrors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'has a table view with the tolerance beside the target' {
        $table = Test-DataMeshFile $sent.FileKey | Format-Table | Out-String
        $table | Should -Match 'Healthy'
        $table | Should -Match 'Tolerated'
        $table | Should -Match 'Healthy\s+1/1\s'
    }
}

Describe 'Repair-DataMeshFile' {
    BeforeAll {
        $source = New-RandomFile $root 'repair.bin' 900KB 3
        # The repair test stops the last storage node (the others serve later tests) and needs it to hold a manifest
        # copy: each send's manifest lands on 3 of the 5 nodes by its random address, so a few sends find one.
        foreach ($attempt in 1..12) {
            $sent = Send-DataMeshFile -Path $source -Tag repair
            if ((Test-DataMeshFile $sent.FileKey).ManifestHolders -contains $storage[4].PeerId) { break }
        }
    }

    It 'changes nothing with -WhatIf' {
        Repair-DataMeshFile $sent.FileKey -WhatIf | Should -BeNullOrEmpty
    }

    It 'restores full redundancy after a storage node stops, then Test-DataMeshFile is Healthy' {
        # A node holding a manifest copy: four live nodes can give the 4+2 stripes no tolerance back, but the lost
        # manifest copy is damage a repair restores.
        $victim = $storage[4]
        (Test-DataMeshFile $sent.FileKey).ManifestHolders | Should -Contain $victim.PeerId
        $victim | Stop-DataMeshNode
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while ((Get-DataMeshPeer -Session $client).PeerId -contains $victim.PeerId -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        $damaged = Test-DataMeshFile $sent.FileKey
        $damaged.Status | Should -Not -Be 'Healthy'
        $damaged.Status | Should -Not -Be 'Lost'

        $repair = $sent | Repair-DataMeshFile
        $repair | Should -BeOfType DataMesh.PowerShell.Output.DataMeshFileRepair
        $repair.StatusBefore | Should -Be $damaged.Status
        $repair.StatusAfter | Should -Be 'Healthy'
        $repair.ToleratedFailuresBefore | Should -Be $damaged.ToleratedFailures
        $repair.ToleratedFailures | Should -BeGreaterOrEqual $repair.TargetFailures
        ($repair.CopiesStored + $repair.ManifestCopiesStored) | Should -BeGreaterThan 0
        $repair.Problems | Should -BeNullOrEmpty
        (Test-DataMeshFile $sent.FileKey).Status | Should -Be 'Healthy'

        $target = Join-Path $root 'repaired.bin'
        Receive-DataMeshFile $sent.FileKey -Destination $target | Out-Null
        (Get-FileHash -LiteralPath $target).Hash | Should -Be (Get-FileHash -LiteralPath $source).Hash
    }
}

Describe 'Remove-DataMeshFile' {
    It 'keeps the file with -WhatIf' {
        $sent = Send-DataMeshFile -Path (New-RandomFile $root 'whatif.bin' 100KB 4) -Tag whatif
        Remove-DataMeshFile $sent.FileKey -WhatIf | Should -BeNullOrEmpty
        (Get-DataMeshFile -Tag whatif).FileKey | Should -Be $sent.FileKey
        (Test-DataMeshFile $sent.FileKey).Status | Should -Be 'Healthy'
    }

    It 'deletes a file everywhere, from the pipeline, and reports it with -PassThru' {
        $sent = Send-DataMeshFile -Path (New-RandomFile $root 'remove.bin' 300KB 5) -Tag remove
        $removed = Get-DataMeshFile -Tag remove | Remove-DataMeshFile -PassThru
        $removed | Should -BeOfType DataMesh.PowerShell.Output.DataMeshRemovedFile
        $removed.FileKey | Should -Be $sent.FileKey
        $removed.PeersConfirmed | Should -Be $removed.PeersAsked
        $removed.ShardsDeleted | Should -BeGreaterThan $sent.Shards   # every shard on two peers, and the manifest
        $removed.RemovedFromCatalog | Should -BeTrue
        Get-DataMeshFile -Tag remove | Should -BeNullOrEmpty
        Receive-DataMeshFile $sent.FileKey -Destination (Join-Path $root 'removed.bin') -ErrorVariable receiveErrors -ErrorAction SilentlyContinue
        # Every stored copy of the manifest is gone; its DHT record may outlive the delete on other nodes until it
        # expires (Kademlia records cannot be withdrawn), and then the shards are what is missing.
        $receiveErrors[0].FullyQualifiedErrorId | Should -Match '^DataMesh\.(FileNotOnMesh|ReceiveFailed),'
    }

    It "refuses another user's file with DataMesh.NotOwner" {
        $sent = Send-DataMeshFile -Path (New-RandomFile $root 'owned.bin' 50KB 6)
        Remove-DataMeshFile $sent.FileKey -Session $storage[0] -ErrorVariable ownerErrors -ErrorAction SilentlyContinue
        $ownerErrors[0].FullyQualifiedErrorId | Should -Be 'DataMesh.NotOwner,DataMesh.PowerShell.Commands.RemoveDataMeshFileCommand'
        $ownerErrors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        (Test-DataMeshFile $sent.FileKey).Status | Should -Be 'Healthy'
    }
}

Describe 'New-DataMeshIdentity' {
    It 'creates an identity, refuses to overwrite it without -Force, and replaces it with -Force' {
        $dir = Join-Path $root 'identity'
        $first = New-DataMeshIdentity -DataPath $dir
        $first | Should -BeOfType DataMesh.PowerShell.Output.DataMeshIdentity
        $first.PublicIdentity | Should -Match '^dmid1'
        $first.PassphraseProtected | Should -BeFalse
        Test-Path $first.KeystorePath | Should -BeTrue

        { New-DataMeshIdentity -DataPath $dir } | Should -Throw -ErrorId 'DataMesh.IdentityExists,DataMesh.PowerShell.Commands.NewDataMeshIdentityCommand'
        New-DataMeshIdentity -DataPath $dir -Force -WhatIf | Should -BeNullOrEmpty
        $before = Get-FileHash -LiteralPath $first.KeystorePath
        $second = New-DataMeshIdentity -DataPath $dir -Force -Passphrase (ConvertTo-SecureString 'correct horse' -AsPlainText -Force) -Confirm:$false
        $second.PassphraseProtected | Should -BeTrue
        $second.Fingerprint | Should -Not -Be $first.Fingerprint
        (Get-FileHash -LiteralPath $second.KeystorePath).Hash | Should -Not -Be $before.Hash
        ($second | Format-Table | Out-String) | Should -Match $second.Fingerprint
    }

    It 'starts a node on a passphrase-protected identity only with the passphrase' {
        $dir = Join-Path $root 'protected'
        $secret = ConvertTo-SecureString 'battery staple' -AsPlainText -Force
        $identity = New-DataMeshIdentity -DataPath $dir -Passphrase $secret
        { Start-DataMeshNode -ClientMode -ListenAddress /ip4/127.0.0.1/tcp/0 -DataPath $dir -ConfigPath $configPath } |
            Should -Throw -ErrorId 'DataMesh.NodeStartFailed,*'
        $node = Start-DataMeshNode -ClientMode -ListenAddress /ip4/127.0.0.1/tcp/0 -DataPath $dir -ConfigPath $configPath -Passphrase $secret
        try {
            Export-DataMeshIdentity -Session $node | Should -Be $identity.PublicIdentity
        }
        finally {
            $node | Stop-DataMeshNode
        }
    }

    It 'refuses the data path of a running node with DataMesh.DataPathInUse' {
        { New-DataMeshIdentity -DataPath $client.DataPath -Force -Confirm:$false } | Should -Throw -ErrorId 'DataMesh.DataPathInUse,*'
    }
}

Describe '-AsJob' {
    It 'sends and receives as jobs readable with Wait-Job, Get-Job and Receive-Job' {
        $source = New-RandomFile $root 'job.bin' 700KB 7
        $job = Send-DataMeshFile -Path $source -Tag job -AsJob
        $job | Should -BeOfType DataMesh.PowerShell.Sessions.DataMeshTransferJob
        (Get-Job -Id $job.Id).InstanceId | Should -Be $job.InstanceId
        $job | Wait-Job -Timeout 60 | Out-Null
        $job.State | Should -Be 'Completed'
        $sent = @(Receive-Job $job)
        $sent.Count | Should -Be 1
        $sent[0].FileKey | Should -Match '^dm1'
        $sent[0].Size | Should -Be 700KB
        $job.HasMoreData | Should -BeFalse

        $target = Join-Path $root 'job-received.bin'
        $receiving = Receive-DataMeshFile $sent[0].FileKey -Destination $target -AsJob
        $received = Receive-Job $receiving -Wait
        $receiving.State | Should -Be 'Completed'
        $received.Path | Should -Be $target
        (Get-FileHash -LiteralPath $target).Hash | Should -Be (Get-FileHash -LiteralPath $source).Hash
    }

    It 'ends Failed with the error id of the failure' {
        $job = Receive-DataMeshFile 'dm1bogus' -Destination $root -AsJob
        $job | Wait-Job -Timeout 30 | Out-Null
        $job.State | Should -Be 'Failed'
        Receive-Job $job -ErrorVariable jobErrors -ErrorAction SilentlyContinue | Out-Null
        $jobErrors[0].FullyQualifiedErrorId | Should -BeLike 'DataMesh.FileKeyInvalid*'
    }

    It 'reports progress and is cancelled by Stop-Job' {
        $big = New-RandomFile $root 'job-big.bin' 32MB 8
        $job = Send-DataMeshFile -Path $big -AsJob -Session $client
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while ($job.Progress.Count -eq 0 -and $job.State -eq 'Running' -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        $job.State | Should -Be 'Running' -Because 'a 32 MiB send takes more than a moment'
        $job.Progress.Count | Should -BeGreaterThan 0
        $clock = [Diagnostics.Stopwatch]::StartNew()
        Stop-Job $job
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
        $job.State | Should -Be 'Stopped'
        Remove-Job $job
        Get-Job -Id $job.Id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'PeerId completion' {
    It 'completes -PeerId with connected peers and filters by it' {
        $line = 'Get-DataMeshPeer -PeerId 12D3'
        $ids = (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText
        foreach ($node in $storage[0..3]) { $ids | Should -Contain $node.PeerId }
        $line = 'Get-DataMeshPeerStats -PeerId '
        (TabExpansion2 $line $line.Length).CompletionMatches.Count | Should -BeGreaterThan 0
        @(Get-DataMeshPeer -PeerId $storage[0].PeerId).PeerId | Should -Be $storage[0].PeerId
    }
}
