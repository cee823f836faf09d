#requires -Version 7.4
<#
.SYNOPSIS
    Runs a whole DataMesh network on this machine: storage nodes and two clients in one PowerShell process,
    sends a file from one client to the other and checks it byte for byte.
.DESCRIPTION
    Starts -StorageNodes storage nodes on free loopback ports (each with its own temporary data path), connects
    them, starts a sending and a receiving client, generates a random file of -SizeMiB MiB, sends it
    (encrypted for both clients, with the default durability policy: survive any 2 storage nodes lost, which on
    6 nodes is 4+2 Reed-Solomon with one shard of each stripe per node, 1.5 bytes stored per byte) and receives it
    on the other client,
    compares SHA-256 hashes, shows the receiver's peer statistics and stops everything. Throws on any failure,
    so `pwsh -File` exits non-zero.
.EXAMPLE
    ./examples/Demo-LocalMesh.ps1 -ModulePath ./out/DataMesh
#>
[CmdletBinding()]
param(
    # The staged module (build.ps1 build) or its name when installed.
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/DataMesh'),
    [ValidateRange(3, 32)] [int] $StorageNodes = 6,
    [ValidateRange(1, 1024)] [int] $SizeMiB = 32,
    [ValidateRange(1, 256)] [int] $MaxConcurrency = 8
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath

function Write-Section([string] $Text) { Write-Host "`n--- $Text" -ForegroundColor Cyan }
function Show($InputObject) { $InputObject | Format-Table -AutoSize | Out-String -Width 220 | Write-Host }

$root = Join-Path ([IO.Path]::GetTempPath()) ('datamesh-demo-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory -Path $root
$clock = [Diagnostics.Stopwatch]::StartNew()
try {
    # Small chunks so a 32 MiB file makes a few hundred shards spread over every node; the layout is the default
    # policy's (storage.tolerated_node_failures = 2), chosen from the storage nodes the sender reaches.
    Write-Section "Starting $StorageNodes storage nodes and two clients on loopback"
    $mesh = & (Join-Path $PSScriptRoot 'Start-LocalMesh.ps1') -Root $root -StorageNodes $StorageNodes -Client sender, receiver -Config @'
[storage]
chunk_size = 262144
'@
    $storage, $sender, $receiver = $mesh.Storage, $mesh.Clients.sender, $mesh.Clients.receiver
    Show (Get-DataMeshNode)

    Write-Section 'Pinging the first storage node from the receiver'
    Show (Test-DataMeshPeer -Address $storage[0].DialAddresses[0] -Count 3)

    Write-Section "Sending a $SizeMiB MiB random file (MaxConcurrency $MaxConcurrency), shared with the receiver's identity"
    $source = Join-Path $root 'random.bin'
    $bytes = [byte[]]::new($SizeMiB * 1MB)
    [Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
    [IO.File]::WriteAllBytes($source, $bytes)
    $recipient = Export-DataMeshIdentity -Session $receiver
    $sent = Send-DataMeshFile -Path $source -Session $sender -Recipient $recipient -MaxConcurrency $MaxConcurrency -Tag demo
    Show $sent
    Write-Host ("Layout {0}+{1}: survives {2} storage node(s) lost; {3:n2} bytes stored per byte." -f $sent.DataShards,
        $sent.ParityShards, $sent.ToleratedFailures, $sent.Overhead)

    Write-Section 'Receiving it on the other client'
    $target = Join-Path $root 'received.bin'
    $received = Receive-DataMeshFile -FileKey $sent.FileKey -Destination $target -Session $receiver -MaxConcurrency $MaxConcurrency
    Show $received

    $expected = (Get-FileHash -LiteralPath $source -Algorithm SHA256).Hash
    $actual = (Get-FileHash -LiteralPath $target -Algorithm SHA256).Hash
    if ($actual -ne $expected) { throw "SHA-256 mismatch: sent $expected, received $actual." }
    Write-Host "SHA-256 matches: $actual" -ForegroundColor Green

    Write-Section "The receiver's view of the storage peers (Get-DataMeshPeerStats | Sort-Object Latency)"
    Show (Get-DataMeshPeerStats -Session $receiver | Sort-Object Latency)
}
finally {
    Get-DataMeshNode | Stop-DataMeshNode
    Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
}
Write-Host ("Demo finished in {0:n1} s; all nodes stopped." -f $clock.Elapsed.TotalSeconds) -ForegroundColor Green
