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
