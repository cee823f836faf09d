# Shared helpers for the DataMesh Pester tests; dot-sourced from each test file's BeforeAll.

# The staged module (build.ps1 build). build.ps1 test passes its location in DATAMESH_MODULE_PATH.
$script:ModulePath = if ($env:DATAMESH_MODULE_PATH) { $env:DATAMESH_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/DataMesh' }
$script:ManifestPath = Join-Path $script:ModulePath 'DataMesh.psd1'

# Runs a script file in a new PowerShell process (the same pwsh as this one) and returns its exit code and output.
function Invoke-PwshFile([string] $Path, [hashtable] $Environment = @{}) {
    $pwshDll = Join-Path $PSHOME 'pwsh.dll'
    $command, $prefix = if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet' -and (Test-Path $pwshDll)) {
        [Environment]::ProcessPath, @($pwshDll)
    } else {
        [Environment]::ProcessPath, @()
    }
    $saved = @{}
    foreach ($name in $Environment.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $Environment[$name])
    }
    try {
        $output = & $command @prefix -NoProfile -NonInteractive -File $Path 2>&1 | Out-String
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output }
    }
    finally {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }
}

# A real mesh in this process (examples/Start-LocalMesh.ps1): storage nodes and one client-mode node on loopback TCP,
# each with its own data path under a new temporary root, with small chunks (64 KiB, 4+2, every shard on 2 peers) so
# transfers take well under a second.
# A file of random bytes (seeded, so a test can make the same one again) in $Folder; returns its path.
function New-RandomFile([string] $Folder, [string] $Name, [int] $Size, [int] $Seed) {
    $path = Join-Path $Folder $Name
    $bytes = [byte[]]::new($Size)
    [Random]::new($Seed).NextBytes($bytes)
    [IO.File]::WriteAllBytes($path, $bytes)
    $path
}

function Start-TestMesh([string] $Prefix, [int] $StorageNodes) {
    $root = Join-Path ([IO.Path]::GetTempPath()) ($Prefix + '-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $mesh = & (Join-Path $PSScriptRoot '../../examples/Start-LocalMesh.ps1') -Root $root -StorageNodes $StorageNodes -Config @'
[network]
replication_factor = 2

[storage]
chunk_size = 65536
data_shards = 4
parity_shards = 2
'@
    [pscustomobject]@{ Root = $root; ConfigPath = $mesh.ConfigPath; Storage = $mesh.Storage; Client = $mesh.Clients.client }
}
