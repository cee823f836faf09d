# examples/Backup-Folder.ps1 against a local mesh in this process (four storage nodes and a client on loopback TCP):
# changed files are sent and unchanged ones skipped, old versions are removed, a restore is byte-exact.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-Module $ModulePath -Force
    $script = Join-Path $PSScriptRoot '../../examples/Backup-Folder.ps1'

    $mesh = Start-TestMesh 'dm-backup' 4
    $root, $configPath, $storage, $client = $mesh.Root, $mesh.ConfigPath, $mesh.Storage, $mesh.Client

    $folder = New-Item -ItemType Directory -Path (Join-Path $root 'documents')
    New-Item -ItemType Directory -Path (Join-Path $folder 'sub') | Out-Null
    $bytes = [byte[]]::new(200KB); [Random]::new(1).NextBytes($bytes)
    [IO.File]::WriteAllBytes((Join-Path $folder 'a.bin'), $bytes)
    Set-Content -LiteralPath (Join-Path $folder 'b.txt') -Value 'first version of b'
    Set-Content -LiteralPath (Join-Path $folder 'sub/c.txt') -Value 'c in a subfolder'
    $log = Join-Path $root 'backup.log'
    $state = Join-Path $root 'backup.json'
    $common = @{ Path = $folder.FullName; Tag = 'docs'; LogPath = $log; StatePath = $state; Session = $client }
}

AfterAll {
    Get-DataMeshNode | Stop-DataMeshNode
    Remove-Module DataMesh -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Backup-Folder.ps1' {
    It 'sends every file on the first run' {
        $summary = & $script @common -KeepVersions 1
        $LASTEXITCODE | Should -Be 0
        $summary.Sent | Should -Be 3
        $summary.Failed | Should -Be 0
        @(Get-DataMeshFile -Tag docs -Session $client).Count | Should -Be 3
        (Get-DataMeshFile -Tag 'docs:path=sub/c.txt' -Session $client).Name | Should -Be 'c.txt'
        Get-Content -LiteralPath $log -Raw | Should -Match 'sent sub/c.txt'
    }

    It 'sends only the changed file on the second run, skips a touched but unchanged one, and keeps one version' {
        Set-Content -LiteralPath (Join-Path $folder 'b.txt') -Value 'second version of b, longer'
        (Get-Item (Join-Path $folder 'sub/c.txt')).LastWriteTimeUtc = [DateTime]::UtcNow.AddMinutes(1)
        $before = (Get-DataMeshFile -Tag 'docs:path=b.txt' -Session $client).FileKey

        $summary = & $script @common -KeepVersions 1
        $LASTEXITCODE | Should -Be 0
        $summary.Sent | Should -Be 1
        $summary.Skipped | Should -Be 2
        $summary.Removed | Should -Be 1
        $versions = @(Get-DataMeshFile -Tag 'docs:path=b.txt' -Session $client)
        $versions.Count | Should -Be 1
        $versions[0].FileKey | Should -Not -Be $before
        Test-DataMeshFile $before -Session $client -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-Content -LiteralPath $log -Raw | Should -Match 'removed old version of b.txt'
    }

    It 'restores the newest version of every file byte for byte' {
        $target = Join-Path $root 'restored'
        $summary = & $script -Path $folder.FullName -Tag docs -LogPath $log -Session $client -Restore -Destination $target
        $LASTEXITCODE | Should -Be 0
        $summary.Restored | Should -Be 3
        foreach ($relative in 'a.bin', 'b.txt', 'sub/c.txt') {
            (Get-FileHash -LiteralPath (Join-Path $target $relative)).Hash | Should -Be (Get-FileHash -LiteralPath (Join-Path $folder $relative)).Hash
        }
    }

    It 'exits 1 and logs the failure when the folder does not exist' {
        & $script -Path (Join-Path $root 'missing') -Tag docs -LogPath $log -StatePath $state -Session $client -ErrorAction SilentlyContinue 2>$null | Out-Null
        $LASTEXITCODE | Should -Be 1
        (Get-Content -LiteralPath $log)[-1] | Should -Match 'ERROR.*is not a folder'
    }
}
