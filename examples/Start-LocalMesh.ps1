#requires -Version 7.4
<#
.SYNOPSIS
    Starts a DataMesh network on this machine: storage nodes and client-mode nodes on free loopback ports, in this
    PowerShell process, each with its own data path under -Root.
.DESCRIPTION
    Writes -Config to <Root>/config.toml (every node reads it), starts -StorageNodes storage nodes, each
    bootstrapping from the ones started before it, then one client-mode node per name in -Client, bootstrapped from
    every storage node. The DataMesh module must be imported. Returns an object with Root, ConfigPath, Storage (the
    storage sessions, in start order) and Clients (an ordered dictionary of client sessions by name). The node
    started last (the last client) is the cmdlets' default session. Stop everything with `Get-DataMeshNode | Stop-DataMeshNode`.
    Used by the demo (Demo-LocalMesh.ps1), the Pester tests and the progress benchmark, so all three start the
    mesh the same way.
.EXAMPLE
    $mesh = ./examples/Start-LocalMesh.ps1 -Root /tmp/mesh -StorageNodes 6 -Client sender, receiver
    Send-DataMeshFile -Path ./big.iso -Session $mesh.Clients.sender -MaxConcurrency 8
#>
[CmdletBinding()]
param(
    # A folder for the nodes' data paths and config.toml; created when missing.
    [Parameter(Mandatory)] [string] $Root,
    [ValidateRange(1, 64)] [int] $StorageNodes = 6,
    # Names of the client-mode nodes (data paths <Root>/<name>).
    [ValidatePattern('^[A-Za-z0-9_-]+$')] [string[]] $Client = @('client'),
    # config.toml text for every node; the default: layouts chosen from storage.tolerated_node_failures (2), and
    # replication_factor 2 for a config that fixes the layout.
    [string] $Config = "[network]`nreplication_factor = 2`n"
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$null = New-Item -ItemType Directory -Path $Root -Force
$configPath = Join-Path $Root 'config.toml'
Set-Content -LiteralPath $configPath -Value $Config

$storage = @()
for ($i = 0; $i -lt $StorageNodes; $i++) {
    $storage += Start-DataMeshNode -ListenAddress /ip4/127.0.0.1/tcp/0 -DataPath (Join-Path $Root "storage$i") `
        -ConfigPath $configPath -Bootstrap @($storage | ForEach-Object DialAddresses)
}
$bootstrap = @($storage | ForEach-Object DialAddresses)
$clients = [ordered]@{}
foreach ($name in $Client) {
    $clients[$name] = Start-DataMeshNode -ClientMode -ListenAddress /ip4/127.0.0.1/tcp/0 -DataPath (Join-Path $Root $name) `
        -ConfigPath $configPath -Bootstrap $bootstrap
}
[pscustomobject]@{ Root = $Root; ConfigPath = $configPath; Storage = $storage; Clients = $clients }
