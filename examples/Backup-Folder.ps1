#requires -Version 7.4
<#
.SYNOPSIS
    Backs a folder up to DataMesh (only changed files), keeps the last N versions of each file, and restores it.
.DESCRIPTION
    Backup mode (the default) walks -Path recursively. A file is sent when it is new or its content changed since
    the last run: the state file records each file's length, last write time and SHA-256, and a file whose length
    and time are unchanged is skipped without reading it (one whose time changed but whose hash did not is skipped
    after hashing). Every version is sent with two tags: -Tag, and "<Tag>:path=<relative path>" so that
    Get-DataMeshFile -Tag '<Tag>:path=docs/a.txt' lists the versions of one file, newest first. After a file is
    sent, versions beyond the newest -KeepVersions are deleted from the mesh with Remove-DataMeshFile. Files
    deleted locally keep their versions on the mesh.

    Restore mode (-Restore) receives the newest version of every file of the backup into -Destination (default:
    -Path), recreating the folder structure and replacing existing files.

    Every step is logged to -LogPath with a UTC time stamp. The script exits 0 when everything succeeded and 1 when
    any file failed or the run could not start (details in the log and on the error stream), so a scheduler sees
    failures. It uses the default DataMesh session, or starts a client-mode node from config.toml (bootstrap_nodes)
    when none runs; -Session picks a node.
.PARAMETER Path
    The folder to back up, and the default restore destination.
.PARAMETER Tag
    Names the backup (default 'backup'). Different folders need different tags.
.PARAMETER KeepVersions
    How many versions of each file to keep on the mesh (default 3).
.PARAMETER LogPath
    The log file (appended to). Default: datamesh-backup-<Tag>.log in the DataMesh folder of LocalApplicationData.
.PARAMETER StatePath
    The change-detection state (JSON). Default: datamesh-backup-<Tag>.json next to the log.
.PARAMETER Restore
    Restore the newest version of every file instead of backing up.
.PARAMETER Destination
    With -Restore: where to restore (default: -Path).
.PARAMETER Session
    The DataMesh node to use (from Start-DataMeshNode or Get-DataMeshNode).
.EXAMPLE
    ./Backup-Folder.ps1 -Path ~/Documents -Tag documents -KeepVersions 5
    Sends what changed in ~/Documents since the last run and keeps five versions of each file.
.EXAMPLE
    ./Backup-Folder.ps1 -Path ~/Documents -Tag documents -Restore -Destination /tmp/documents
    Restores the newest version of every backed-up file into /tmp/documents.
#>
[CmdletBinding(DefaultParameterSetName = 'Backup')]
param(
    [Parameter(Mandatory, Position = 0)]
    [string] $Path,

    [ValidatePattern('^[^:]+$')]
    [string] $Tag = 'backup',

    [Parameter(ParameterSetName = 'Backup')]
    [ValidateRange(1, 1000)]
    [int] $KeepVersions = 3,

    [string] $LogPath,

    [Parameter(ParameterSetName = 'Backup')]
    [string] $StatePath,

    [Parameter(ParameterSetName = 'Restore', Mandatory)]
    [switch] $Restore,

    [Parameter(ParameterSetName = 'Restore')]
    [string] $Destination,

    [object] $Session
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$stateFolder = Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'DataMesh'
if (-not $LogPath) { $LogPath = Join-Path $stateFolder "datamesh-backup-$Tag.log" }
if (-not $StatePath) { $StatePath = [IO.Path]::ChangeExtension($LogPath, '.json') }
$sessionArgs = if ($Session) { @{ Session = $Session } } else { @{} }
$pathTagPrefix = "${Tag}:path="

function Write-Log([string] $Message, [string] $Level = 'INFO') {
    $line = '{0:yyyy-MM-ddTHH:mm:ssZ} {1,-5} {2}' -f [DateTime]::UtcNow, $Level, $Message
    Add-Content -LiteralPath $LogPath -Value $line -Encoding utf8
    Write-Verbose $line
}

# The state: relative path (with '/') -> length, last write time (UTC ticks), SHA-256 and file key of the last send.
function Read-State {
    $state = @{}
    if (Test-Path -LiteralPath $StatePath) {
        $json = Get-Content -LiteralPath $StatePath -Raw | ConvertFrom-Json -AsHashtable
        foreach ($key in $json.Keys) { $state[$key] = $json[$key] }
    }
    $state
}

function Save-State([hashtable] $State) {
    $temporary = "$StatePath.tmp"
    $State | ConvertTo-Json -Depth 3 | Set-Content -LiteralPath $temporary -Encoding utf8
    Move-Item -LiteralPath $temporary -Destination $StatePath -Force   # a crash never leaves half a state file
}

function Get-RelativePath([string] $Root, [string] $FullName) {
    [IO.Path]::GetRelativePath($Root, $FullName).Replace('\', '/')
}

function Invoke-Backup([string] $Root) {
    $state = Read-State
    $sent = 0; $skipped = 0; $removed = 0; $failed = 0
    foreach ($file in Get-ChildItem -LiteralPath $Root -File -Recurse -Force) {
        $relative = Get-RelativePath $Root $file.FullName
        try {
            $known = $state[$relative]
            $ticks = $file.LastWriteTimeUtc.Ticks
            if ($known -and $known.Length -eq $file.Length -and $known.LastWriteTicks -eq $ticks) {
                $skipped++
                continue
            }
            $hash = (Get-FileHash -LiteralPath $file.FullName -Algorithm SHA256).Hash
            if ($known -and $known.Sha256 -eq $hash) {
                $known.LastWriteTicks = $ticks   # touched, not changed
                $skipped++
                continue
            }
            $result = Send-DataMeshFile -Path $file.FullName -Tag $Tag, "$pathTagPrefix$relative" @sessionArgs
            $state[$relative] = @{ Length = $file.Length; LastWriteTicks = $ticks; Sha256 = $hash; FileKey = $result.FileKey }
            Save-State $state
            $sent++
            Write-Log "sent $relative ($($file.Length) bytes) as $($result.FileKey)"

            $old = @(Get-DataMeshFile -Tag "$pathTagPrefix$relative" @sessionArgs | Select-Object -Skip $KeepVersions)
            foreach ($version in $old) {
                Remove-DataMeshFile -FileKey $version.FileKey @sessionArgs
                $removed++
                Write-Log "removed old version of $relative ($($version.FileKey), $($version.Created.ToString('u')))"
            }
        }
        catch {
            $failed++
            Write-Log "FAILED $relative`: $($_.Exception.Message)" 'ERROR'
            Write-Error -ErrorRecord $_ -ErrorAction Continue
        }
    }
    Save-State $state
    [pscustomobject]@{ Mode = 'Backup'; Sent = $sent; Skipped = $skipped; Removed = $removed; Failed = $failed }
}

function Invoke-Restore([string] $Target) {
    $restored = 0; $failed = 0
    # Get-DataMeshFile lists newest first: the first entry per path is the newest version.
    $newest = [ordered]@{}
    foreach ($entry in Get-DataMeshFile -Tag $Tag @sessionArgs) {
        $pathTag = @($entry.Tags | Where-Object { $_.StartsWith($pathTagPrefix, [StringComparison]::OrdinalIgnoreCase) })[0]
        if ($pathTag -and -not $newest.Contains($pathTag)) { $newest[$pathTag] = $entry }
    }
    foreach ($pathTag in $newest.Keys) {
        $relative = $pathTag.Substring($pathTagPrefix.Length)
        try {
            $destinationFile = [IO.Path]::GetFullPath((Join-Path $Target $relative))
            if (-not $destinationFile.StartsWith([IO.Path]::GetFullPath($Target), [StringComparison]::Ordinal)) {
                throw "The stored path '$relative' leads outside the restore folder."
            }
            New-Item -ItemType Directory -Path ([IO.Path]::GetDirectoryName($destinationFile)) -Force | Out-Null
            $received = Receive-DataMeshFile -FileKey $newest[$pathTag].FileKey -Destination $destinationFile -Force @sessionArgs
            $restored++
            Write-Log "restored $relative ($($received.Size) bytes) from $($newest[$pathTag].FileKey)"
        }
        catch {
            $failed++
            Write-Log "FAILED to restore $relative`: $($_.Exception.Message)" 'ERROR'
            Write-Error -ErrorRecord $_ -ErrorAction Continue
        }
    }
    [pscustomobject]@{ Mode = 'Restore'; Restored = $restored; Failed = $failed }
}

try {
    New-Item -ItemType Directory -Path ([IO.Path]::GetDirectoryName([IO.Path]::GetFullPath($LogPath))) -Force | Out-Null
    if (-not (Get-Module DataMesh)) { Import-Module DataMesh }
    $root = (Resolve-Path -LiteralPath $Path -ErrorAction SilentlyContinue)?.ProviderPath
    if ($Restore) {
        $target = if ($Destination) { $Destination } else { $Path }
        New-Item -ItemType Directory -Path $target -Force | Out-Null
        Write-Log "restore of '$Tag' into $target started"
        $summary = Invoke-Restore (Resolve-Path -LiteralPath $target).ProviderPath
    }
    else {
        if (-not $root -or -not (Test-Path -LiteralPath $root -PathType Container)) { throw "'$Path' is not a folder." }
        Write-Log "backup of $root as '$Tag' started (keeping $KeepVersions versions)"
        $summary = Invoke-Backup $root
    }
    Write-Log ("finished: " + (($summary.PSObject.Properties | ForEach-Object { "$($_.Name)=$($_.Value)" }) -join ' '))
    $summary
    exit ($summary.Failed -gt 0 ? 1 : 0)
}
catch {
    try { Write-Log "FAILED: $($_.Exception.Message)" 'ERROR' } catch { Write-Warning "Could not write the log: $($_.Exception.Message)" }
    Write-Error -ErrorRecord $_ -ErrorAction Continue
    exit 1
}
