# Send-DataMeshFile with the default policy (storage.tolerated_node_failures = 2, no fixed layout) on meshes too
# small for the target: the cmdlet surface of the tolerance it reports, its warning and its error.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module $ModulePath -Force

    $root = Join-Path ([IO.Path]::GetTempPath()) ('dm-durability-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $policyConfig = "[storage]`nchunk_size = 65536`n"
    $two = & (Join-Path $PSScriptRoot '../../examples/Start-LocalMesh.ps1') -Root (Join-Path $root 'two') -StorageNodes 2 -Config $policyConfig
    $one = & (Join-Path $PSScriptRoot '../../examples/Start-LocalMesh.ps1') -Root (Join-Path $root 'one') -StorageNodes 1 -Config $policyConfig

    $source = New-RandomFile $root 'source.bin' 300KB 7
}

AfterAll {
    Get-DataMeshNode | Stop-DataMeshNode
    Remove-Module DataMesh -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Send-DataMeshFile durability' {
    It 'stores on 2 nodes with the best tolerance they allow and warns with the numbers' {
        $sent = Send-DataMeshFile -Path $source -Session $two.Clients.client -WarningVariable warnings -WarningAction SilentlyContinue
        $sent.ToleratedFailures | Should -Be 1
        $sent.StoredBytes | Should -BeGreaterThan (2 * (Get-Item -LiteralPath $source).Length)
        $sent.Overhead | Should -BeGreaterOrEqual 2.0
        $sent.Overhead | Should -BeLessThan 2.2
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -Be '2 storage peer(s) reachable: this file survives 1 node loss(es); target 2.'

        $target = Join-Path $root 'received.bin'
        $null = Receive-DataMeshFile -FileKey $sent.FileKey -Destination $target -Session $two.Clients.client
        (Get-FileHash $target).Hash | Should -Be (Get-FileHash $source).Hash
    }

    It 'meets a lower -ToleratedFailures on 2 nodes without a warning' {
        $sent = Send-DataMeshFile -Path $source -Session $two.Clients.client -ToleratedFailures 1 -WarningVariable warnings
        $sent.ToleratedFailures | Should -Be 1
        $warnings | Should -BeNullOrEmpty
    }

    It 'refuses 1 storage node with a stable error id, and sends with -Force' {
        { Send-DataMeshFile -Path $source -Session $one.Clients.client -ErrorAction Stop } |
            Should -Throw -ErrorId 'DataMesh.InsufficientStoragePeers,DataMesh.PowerShell.Commands.SendDataMeshFileCommand'
        $null = Send-DataMeshFile -Path $source -Session $one.Clients.client -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].Exception.Message | Should -BeLike '*Only 1 storage peer is reachable*-Force*'
        $failed[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'

        $forced = Send-DataMeshFile -Path $source -Session $one.Clients.client -Force -WarningVariable warnings -WarningAction SilentlyContinue
        $forced.ToleratedFailures | Should -Be 0
        "$($warnings[0])" | Should -BeLike '1 storage peer(s) reachable: this file survives 0 node loss(es)*'
    }

    It 'shows the layout, tolerance and overhead in the table view' {
        $sent = Send-DataMeshFile -Path $source -Session $two.Clients.client -ToleratedFailures 1
        $table = $sent | Format-Table | Out-String
        $table | Should -Match 'Layout\s+Tolerates\s+Overhead'
        $table | Should -Match '1\+1\s+1\s+2\.\d\dx'
    }
}
