#requires -Version 7.4
<#
.SYNOPSIS
    What Write-Progress costs a transfer: Send- and Receive-DataMeshFile throughput with progress on
    ($ProgressPreference = 'Continue') beside the same transfers with 'SilentlyContinue', in one run.
.DESCRIPTION
    Starts a local mesh (storage nodes and one client in this process, as the demo does), then sends and receives
    the same generated file -Rounds times in each mode, alternating which mode goes first so drift in the machine
    hits both alike. Prints the median MB/s per mode and the ratio on/off; a ratio near 1.00 means progress does not
    slow the transfer. Run through `build.ps1 bench -BenchArgs 'progress'`.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [ValidateRange(1, 4096)] [int] $SizeMiB = 128,
    [ValidateRange(1, 20)] [int] $Rounds = 3,
    [ValidateRange(3, 32)] [int] $StorageNodes = 6,
    [ValidateRange(1, 256)] [int] $MaxConcurrency = 8
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    if ($sorted.Count % 2) { return $sorted[[int][Math]::Floor($sorted.Count / 2)] }
    return ($sorted[$sorted.Count / 2 - 1] + $sorted[$sorted.Count / 2]) / 2
}

$root = Join-Path ([IO.Path]::GetTempPath()) ('datamesh-progress-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory -Path $root
try {
    $null = & (Join-Path $PSScriptRoot '../../../examples/Start-LocalMesh.ps1') -Root $root -StorageNodes $StorageNodes

    $source = Join-Path $root 'payload.bin'
    $buffer = [byte[]]::new(1MB)
    $random = [Random]::new(42)
    $stream = [IO.File]::Create($source)
    try { for ($i = 0; $i -lt $SizeMiB; $i++) { $random.NextBytes($buffer); $stream.Write($buffer, 0, $buffer.Length) } }
    finally { $stream.Dispose() }
    $bytes = (Get-Item -LiteralPath $source).Length
    $expected = (Get-FileHash -LiteralPath $source -Algorithm SHA256).Hash

    $cpu = (Get-Content /proc/cpuinfo -ErrorAction SilentlyContinue | Select-String '^model name' | Select-Object -First 1) -replace '^.*:\s*', ''
    $load = (Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -split ' ' | Select-Object -First 3
    Write-Host ("Machine: {0} cores, {1}, load average {2}; PowerShell {3}; output redirected: {4} (a terminal also draws the bars)" -f
        [Environment]::ProcessorCount, $cpu, ($load -join ' '), $PSVersionTable.PSVersion, [Console]::IsOutputRedirected)
    Write-Host ("{0} MiB, {1} storage nodes, -MaxConcurrency {2}, {3} rounds per mode" -f $SizeMiB, $StorageNodes, $MaxConcurrency, $Rounds)

    $results = [Collections.Generic.List[object]]::new()
    for ($round = 0; $round -lt $Rounds; $round++) {
        $modes = if ($round % 2) { 'SilentlyContinue', 'Continue' } else { 'Continue', 'SilentlyContinue' }
        foreach ($mode in $modes) {
            $ProgressPreference = $mode
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $sent = Send-DataMeshFile -Path $source -MaxConcurrency $MaxConcurrency
            $sendSeconds = $clock.Elapsed.TotalSeconds
            $target = Join-Path $root "restored-$round-$mode.bin"
            $clock.Restart()
            $null = Receive-DataMeshFile -FileKey $sent.FileKey -Destination $target -MaxConcurrency $MaxConcurrency
            $receiveSeconds = $clock.Elapsed.TotalSeconds
            $ProgressPreference = 'SilentlyContinue'
            if ((Get-FileHash -LiteralPath $target -Algorithm SHA256).Hash -ne $expected) { throw "Round $round ($mode): the received file differs." }
            Remove-Item -LiteralPath $target
            $null = Remove-DataMeshFile -FileKey $sent.FileKey -Confirm:$false
            $results.Add([pscustomobject]@{ Round = $round; Progress = $mode; SendMBs = $bytes / 1e6 / $sendSeconds; ReceiveMBs = $bytes / 1e6 / $receiveSeconds })
            Write-Host ("RESULT round={0} progress={1} send={2:n1}MB/s receive={3:n1}MB/s" -f $round, $mode, $results[-1].SendMBs, $results[-1].ReceiveMBs)
        }
    }

    $summary = foreach ($mode in 'Continue', 'SilentlyContinue') {
        $rows = @($results | Where-Object Progress -eq $mode)
        [pscustomobject]@{ Progress = $mode; SendMBs = Get-Median $rows.SendMBs; ReceiveMBs = Get-Median $rows.ReceiveMBs }
    }
    $summary | Format-Table @{ n = 'Progress'; e = { $_.Progress } }, @{ n = 'Send MB/s (median)'; e = { '{0:n1}' -f $_.SendMBs } },
        @{ n = 'Receive MB/s (median)'; e = { '{0:n1}' -f $_.ReceiveMBs } } -AutoSize | Out-String | Write-Host
    Write-Host ("SUMMARY progress on/off: send {0:n2}x, receive {1:n2}x (1.00 = no cost)" -f
        ($summary[0].SendMBs / $summary[1].SendMBs), ($summary[0].ReceiveMBs / $summary[1].ReceiveMBs))
}
finally {
    Get-DataMeshNode | Stop-DataMeshNode
    Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
}
