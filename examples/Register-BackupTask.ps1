#requires -Version 7.4
<#
.SYNOPSIS
    Schedules examples/Backup-Folder.ps1 to run every day: a Windows scheduled task, or on Linux a systemd user
    timer (or, with -UseCron, a crontab line).
.DESCRIPTION
    Windows: registers a scheduled task (Register-ScheduledTask) for the current user that runs
        pwsh -NoProfile -NonInteractive -File Backup-Folder.ps1 -Path <folder> -Tag <tag> -KeepVersions <n>
    daily at -At. The task's last result is the script's exit code (0 ok, 1 failed): check it with
    Get-ScheduledTaskInfo -TaskName <name>, and read the log that Backup-Folder.ps1 writes.

    Linux: writes ~/.config/systemd/user/<name>.service and <name>.timer (OnCalendar daily at -At, Persistent=true
    so a run missed while the machine was off happens at the next boot) and enables the timer with
    systemctl --user. See runs with `systemctl --user list-timers` and `journalctl --user -u <name>`; a failed run
    shows as a failed unit. Run `loginctl enable-linger <user>` once so the timer also runs while you are logged out.
    With -UseCron it adds a line to the user's crontab instead (cron mails or drops output; rely on the log).

    The backup runs as a client of the mesh: it starts a client-mode node from config.toml (bootstrap_nodes), so
    config.toml must name reachable storage nodes. -WhatIf shows what would be registered.
.PARAMETER Path
    The folder to back up.
.PARAMETER Tag
    The backup's tag (see Backup-Folder.ps1).
.PARAMETER KeepVersions
    Versions of each file to keep.
.PARAMETER At
    Time of day to run, HH:mm (default 02:30).
.PARAMETER Name
    The task, unit or crontab marker name (default DataMeshBackup-<Tag>).
.PARAMETER UseCron
    On Linux, use crontab instead of a systemd user timer.
.EXAMPLE
    ./Register-BackupTask.ps1 -Path ~/Documents -Tag documents -At 03:00
    Backs ~/Documents up every night at 03:00 (scheduled task on Windows, systemd timer on Linux).
.EXAMPLE
    ./Register-BackupTask.ps1 -Path ~/Documents -Tag documents -UseCron -WhatIf
    Shows the crontab line it would add.
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)]
    [string] $Path,

    [ValidatePattern('^[A-Za-z0-9_.-]+$')]
    [string] $Tag = 'backup',

    [ValidateRange(1, 1000)]
    [int] $KeepVersions = 3,

    [ValidatePattern('^([01]\d|2[0-3]):[0-5]\d$')]
    [string] $At = '02:30',

    [ValidatePattern('^[A-Za-z0-9_.-]+$')]
    [string] $Name = "DataMeshBackup-$Tag",

    [switch] $UseCron
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$folder = (Resolve-Path -LiteralPath $Path).ProviderPath
$script = Join-Path $PSScriptRoot 'Backup-Folder.ps1'
$pwsh = [Environment]::ProcessPath   # the pwsh running this script
if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -ne 'pwsh') {
    $pwsh = (Get-Command pwsh -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
}
$arguments = @('-NoProfile', '-NonInteractive', '-File', $script, '-Path', $folder, '-Tag', $Tag, '-KeepVersions', $KeepVersions)

function ConvertTo-ShellWord([string] $Text) { "'" + $Text.Replace("'", "'\''") + "'" }

if ($IsWindows) {
    $quoted = $arguments | ForEach-Object { if ($_ -match '[\s"]') { '"' + $_.ToString().Replace('"', '\"') + '"' } else { $_ } }
    $action = New-ScheduledTaskAction -Execute $pwsh -Argument ($quoted -join ' ') -WorkingDirectory $folder
    $trigger = New-ScheduledTaskTrigger -Daily -At ([DateTime]::ParseExact($At, 'HH:mm', $null))
    $settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -ExecutionTimeLimit (New-TimeSpan -Hours 6) -MultipleInstances IgnoreNew
    if ($PSCmdlet.ShouldProcess($Name, "Register a daily scheduled task at $At running $script")) {
        Register-ScheduledTask -TaskName $Name -Action $action -Trigger $trigger -Settings $settings -Description "DataMesh backup of $folder" -Force
    }
    return
}

$command = (@($pwsh) + $arguments | ForEach-Object { ConvertTo-ShellWord $_ }) -join ' '
if ($UseCron) {
    $hour, $minute = $At.Split(':')
    # cron turns an unescaped % into a newline.
    $line = "$([int]$minute) $([int]$hour) * * * $($command.Replace('%', '\%')) # $Name"
    if ($PSCmdlet.ShouldProcess('crontab', "Add: $line")) {
        $current = @(crontab -l 2>$null | Where-Object { $_ -notmatch "# $([regex]::Escape($Name))$" })
        (@($current) + $line) -join "`n" | crontab -
        if ($LASTEXITCODE -ne 0) { throw "crontab exited with $LASTEXITCODE." }
    }
    return
}

# systemd expands %-specifiers in unit files: a literal % is written %%.
$command = $command.Replace('%', '%%')
$folderText = $folder.Replace('%', '%%')
$unitFolder = Join-Path ($env:XDG_CONFIG_HOME ?? (Join-Path $HOME '.config')) 'systemd/user'
$service = @"
[Unit]
Description=DataMesh backup of $folderText

[Service]
Type=oneshot
ExecStart=$command
"@
$timer = @"
[Unit]
Description=Daily DataMesh backup of $folderText

[Timer]
OnCalendar=*-*-* ${At}:00
Persistent=true
RandomizedDelaySec=5min

[Install]
WantedBy=timers.target
"@
if ($PSCmdlet.ShouldProcess($unitFolder, "Write $Name.service and $Name.timer and enable the timer (daily at $At)")) {
    New-Item -ItemType Directory -Path $unitFolder -Force | Out-Null
    Set-Content -LiteralPath (Join-Path $unitFolder "$Name.service") -Value $service -Encoding utf8
    Set-Content -LiteralPath (Join-Path $unitFolder "$Name.timer") -Value $timer -Encoding utf8
    systemctl --user daemon-reload
    systemctl --user enable --now "$Name.timer"
    if ($LASTEXITCODE -ne 0) { throw "systemctl exited with $LASTEXITCODE." }
}
