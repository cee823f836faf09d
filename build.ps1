#requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, demonstrates and benchmarks DataMesh.
.DESCRIPTION
    Tasks (run in the order given):
      build  dotnet build of the solution, then stages the importable module into out/DataMesh
             (manifest, cmdlet assembly, formats, MAML help generated from docs/cmdlets/*.md, and
             dependencies/ with every engine and third-party assembly plus native runtimes).
      test   build, every xUnit project (dotnet test), then the Pester tests in a child pwsh process;
             ends with one line "N passed, N failed[, N skipped]" and a non-zero exit code on any failure.
      demo   build, then runs examples/Demo-LocalMesh.ps1: 6 storage nodes and 2 clients on loopback in one pwsh
             process, a 32 MiB random file sent from one client and received on the other, SHA-256 compared,
             peer statistics shown, nodes stopped; non-zero exit code on any failure.
      bench  dotnet run -c Release --project tests/DataMesh.Benchmarks -- <BenchArgs>; 'progress ...' runs
             tests/DataMesh.Benchmarks/Progress/Measure-ProgressCost.ps1 over the staged module instead.
      clean  removes out/ and every bin/ and obj/ folder.
    Needs only the .NET 10 SDK (and Node.js when the interop tests ship a package.json):
        dotnet tool restore && dotnet pwsh ./build.ps1 test
#>
[CmdletBinding()]
param(
    [ValidateSet('build', 'test', 'demo', 'bench', 'clean')]
    [string[]] $Task = 'build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Arguments for the benchmark program (bench task). From PowerShell: -BenchArgs '--filter','*Chunk*'.
    # From a POSIX shell pass one string, split at white space: -BenchArgs '--filter *Chunk*'.
    [string[]] $BenchArgs = @()
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$Root = $PSScriptRoot
$Solution = Join-Path $Root 'DataMesh.PowerShell.sln'
$OutDir = Join-Path $Root 'out'
$ModuleDir = Join-Path $OutDir 'DataMesh'
$ResultsDir = Join-Path $OutDir 'test-results'
$CmdletProject = Join-Path $Root 'src/DataMesh.PowerShell'
$CmdletDocs = Join-Path $Root 'docs/cmdlets'
$PesterTests = Join-Path $Root 'tests/DataMesh.PowerShell.Tests'
$PesterVersion = '6.2.0'
$script:Built = $false

function Write-Step([string] $Message) {
    Write-Host "==> $Message" -ForegroundColor Cyan
}

# Runs a native command with its output on the host; throws when it exits non-zero (unless -AllowFailure);
# returns the exit code.
function Invoke-Native {
    param(
        [Parameter(Mandatory)] [string] $FilePath,
        [string[]] $ArgumentList = @(),
        [string] $WorkingDirectory = $Root,
        [switch] $AllowFailure
    )
    Push-Location $WorkingDirectory
    try {
        & $FilePath @ArgumentList | Out-Host
        $code = $LASTEXITCODE
    }
    finally {
        Pop-Location
    }
    if ($code -ne 0 -and -not $AllowFailure) {
        throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $code."
    }
    return $code
}

# Runs a script in a fresh pwsh (the pinned dotnet tool), so assemblies it loads die with it.
function Invoke-ChildPwsh {
    param([Parameter(Mandatory)] [string] $Script, [switch] $AllowFailure)
    $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($Script))
    Invoke-Native dotnet @('pwsh', '-NoProfile', '-NonInteractive', '-OutputFormat', 'Text', '-EncodedCommand', $encoded) -AllowFailure:$AllowFailure
}

function Get-QuotedLiteral([string] $Text) { "'" + $Text.Replace("'", "''") + "'" }

#region build

function Invoke-Build {
    if ($script:Built) { return }
    Write-Step "dotnet build ($Configuration)"
    $null = Invoke-Native dotnet @('build', $Solution, '-c', $Configuration, '--nologo', '-v', 'minimal')
    Publish-Module
    $script:Built = $true
}

function Publish-Module {
    Write-Step "staging module into $ModuleDir"
    $bin = Join-Path $CmdletProject "bin/$Configuration/net10.0"
    if (-not (Test-Path (Join-Path $bin 'DataMesh.PowerShell.dll'))) { throw "Build output not found in $bin." }
    if (Test-Path $ModuleDir) { Remove-Item $ModuleDir -Recurse -Force }
    $dependencies = New-Item -ItemType Directory -Path (Join-Path $ModuleDir 'dependencies') -Force
    $help = New-Item -ItemType Directory -Path (Join-Path $ModuleDir 'en-US') -Force

    Copy-Item (Join-Path $Root 'DataMesh.psd1') $ModuleDir
    Copy-Item (Join-Path $bin 'DataMesh.PowerShell.dll'), (Join-Path $bin 'DataMesh.PowerShell.pdb'), (Join-Path $bin 'DataMesh.Format.ps1xml') $ModuleDir
    Copy-Item (Join-Path $bin 'en-US/*.help.txt') $help

    # Everything else goes to dependencies/, loaded by the module's own load context. PowerShell supplies
    # System.Management.Automation itself; it must never be shipped.
    Get-ChildItem $bin -File -Filter '*.dll' |
        Where-Object { $_.Name -notin 'DataMesh.PowerShell.dll', 'System.Management.Automation.dll' } |
        Copy-Item -Destination $dependencies
    Get-ChildItem $bin -File -Filter 'DataMesh.*.pdb' | Where-Object Name -ne 'DataMesh.PowerShell.pdb' | Copy-Item -Destination $dependencies
    if (Test-Path (Join-Path $bin 'runtimes')) {
        Copy-Item (Join-Path $bin 'runtimes') $dependencies -Recurse
    }

    $manifest = Test-ModuleManifest -Path (Join-Path $ModuleDir 'DataMesh.psd1') -ErrorAction Stop
    $cmdlets = @($manifest.ExportedCmdlets.Keys)
    New-MamlHelp -Cmdlets $cmdlets -Destination (Join-Path $help 'DataMesh.PowerShell.dll-Help.xml')
    Write-Host "Module staged: Import-Module $ModuleDir ($($cmdlets.Count) cmdlets)"
}

#endregion

#region help generation (docs/cmdlets/*.md -> MAML)

# Parses one docs/cmdlets/<Cmdlet>.md (structure documented in docs/cmdlets/README.md).
function Read-CmdletMarkdown([string] $Path) {
    $doc = [ordered]@{ Name = $null; Synopsis = @(); Description = @(); Parameters = [ordered]@{}; Examples = @(); Inputs = [ordered]@{}; Outputs = [ordered]@{}; Links = @() }
    $section = $null; $item = $null; $inCode = $false; $code = $null; $example = $null
    $paragraphs = [Collections.Generic.List[string]]::new(); $current = [Text.StringBuilder]::new()
    $lineNumber = 0

    $flush = {
        if ($current.Length -gt 0) { $paragraphs.Add($current.ToString().Trim()); [void]$current.Clear() }
    }
    $close = {
        & $flush
        $text = @($paragraphs)
        $paragraphs.Clear()
        switch ($section) {
            'SYNOPSIS' { $doc.Synopsis += $text }
            'DESCRIPTION' { $doc.Description += $text }
            'PARAMETERS' { if ($item) { $doc.Parameters[$item] = $text } }
            'EXAMPLES' { if ($example) { $example.Remarks = $text; $doc.Examples += [pscustomobject]$example } }
            'INPUTS' { if ($item) { $doc.Inputs[$item] = $text } }
            'OUTPUTS' { if ($item) { $doc.Outputs[$item] = $text } }
        }
    }

    foreach ($line in [IO.File]::ReadAllLines($Path)) {
        $lineNumber++
        if ($inCode) {
            if ($line -match '^```\s*$') { $inCode = $false; $example.Code = $code.ToString().TrimEnd() }
            else { [void]$code.AppendLine($line) }
            continue
        }
        if ($line -match '^# (\S+)\s*$') { $doc.Name = $Matches[1]; continue }
        if ($line -match '^## (.+?)\s*$') {
            & $close
            $section = $Matches[1]; $item = $null; $example = $null
            if ($section -notin 'SYNOPSIS', 'DESCRIPTION', 'PARAMETERS', 'EXAMPLES', 'INPUTS', 'OUTPUTS', 'RELATED LINKS') {
                throw "${Path}:${lineNumber}: unknown section '## $section'."
            }
            continue
        }
        if ($line -match '^### (.+?)\s*$') {
            & $close
            $heading = $Matches[1]
            switch ($section) {
                'PARAMETERS' {
                    if ($heading -notmatch '^-(\w+)$') { throw "${Path}:${lineNumber}: parameter headings are '### -Name'." }
                    $item = $Matches[1]
                }
                'EXAMPLES' { $example = [ordered]@{ Title = $heading; Code = $null; Remarks = @() } }
                { $_ -in 'INPUTS', 'OUTPUTS' } { $item = $heading }
                default { throw "${Path}:${lineNumber}: '### $heading' is not allowed in section '$section'." }
            }
            continue
        }
        if ($line -match '^```') {
            if ($section -ne 'EXAMPLES' -or -not $example) { throw "${Path}:${lineNumber}: code blocks belong to an example." }
            $inCode = $true; $code = [Text.StringBuilder]::new(); continue
        }
        if ($section -eq 'RELATED LINKS') {
            if ($line -match '^\s*-\s+(.+?)\s*$') { $doc.Links += $Matches[1] }
            continue
        }
        if ([string]::IsNullOrWhiteSpace($line)) { & $flush; continue }
        if ($current.Length -gt 0) { [void]$current.Append(' ') }
        [void]$current.Append($line.Trim())
    }
    if ($inCode) { throw "${Path}: unterminated code block." }
    & $close
    return [pscustomobject]$doc
}

# Reads parameter metadata from the staged module in a child process (so this process never loads it).
function Get-CmdletMetadata([string[]] $Cmdlets) {
    $jsonPath = Join-Path ([IO.Path]::GetTempPath()) "datamesh-help-$([guid]::NewGuid().ToString('N')).json"
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module $(Get-QuotedLiteral $ModuleDir)
# -WhatIf and -Confirm stay: PowerShell's own help lists them for every cmdlet that supports ShouldProcess.
`$common = [System.Management.Automation.Cmdlet]::CommonParameters + 'UseTransaction'
`$result = foreach (`$name in @($(($Cmdlets | ForEach-Object { Get-QuotedLiteral $_ }) -join ','))) {
    `$command = Get-Command `$name -CommandType Cmdlet
    [pscustomobject]@{
        Name = `$command.Name
        Verb = `$command.Verb
        Noun = `$command.Noun
        Outputs = @(`$command.OutputType | ForEach-Object Name)
        Sets = @(`$command.ParameterSets | ForEach-Object {
            [pscustomobject]@{
                Name = `$_.Name
                Parameters = @(`$_.Parameters | Where-Object Name -notin `$common | ForEach-Object {
                    # Help shows the type a user types: int for Nullable<int>, as PowerShell's own help does.
                    `$type = [Nullable]::GetUnderlyingType(`$_.ParameterType) ?? `$_.ParameterType
                    [pscustomobject]@{
                        Name = `$_.Name
                        Type = `$type.FullName
                        TypeName = `$type.Name
                        ElementType = `$(if (`$type.IsArray) { `$type.GetElementType().FullName } else { `$type.FullName })
                        IsSwitch = `$_.ParameterType -eq [switch]
                        Mandatory = `$_.IsMandatory
                        Position = `$_.Position
                        ByValue = `$_.ValueFromPipeline
                        ByPropertyName = `$_.ValueFromPipelineByPropertyName
                        Wildcards = [bool](`$command.Parameters[`$_.Name].Attributes | Where-Object { `$_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
                        Aliases = @(`$_.Aliases)
                    }
                })
            }
        })
    }
}
ConvertTo-Json -InputObject @(`$result) -Depth 8 | Set-Content -LiteralPath $(Get-QuotedLiteral $jsonPath) -Encoding utf8
"@
    try {
        $null = Invoke-ChildPwsh $script
        return Get-Content -LiteralPath $jsonPath -Raw | ConvertFrom-Json
    }
    finally {
        Remove-Item -LiteralPath $jsonPath -ErrorAction SilentlyContinue
    }
}

# What help says of -WhatIf and -Confirm when a cmdlet's markdown does not describe them.
$ShouldProcessParameters = [ordered]@{
    WhatIf = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}

# The INPUTS entries derived from the parameters that take pipeline input (used when the markdown has no INPUTS
# section): one per type taken by value, one for objects whose properties bind by name, or None.
function Get-PipelineInputs([object[]] $Parameters) {
    $inputs = [ordered]@{}
    foreach ($p in @($Parameters | Where-Object ByValue)) {
        $text = "You can pipe $($p.ElementType) values to -$($p.Name)."
        $inputs[$p.ElementType] = @($inputs[$p.ElementType]) + $text | Where-Object { $_ }
    }
    $byName = @($Parameters | Where-Object ByPropertyName | ForEach-Object {
        $names = @($_.Name) + @($_.Aliases | Where-Object { $_ })
        "-$($_.Name) from a property named $($names -join ' or ')"
    })
    if ($byName) {
        $inputs['System.Management.Automation.PSObject'] = @("Objects with these properties bind them by name: $($byName -join '; ').")
    }
    if ($inputs.Count -eq 0) { $inputs['None'] = @('This cmdlet takes no pipeline input.') }
    return $inputs
}

function New-MamlHelp([string[]] $Cmdlets, [string] $Destination) {
    $metadata = Get-CmdletMetadata $Cmdlets
    $ns = @{
        maml = 'http://schemas.microsoft.com/maml/2004/10'
        command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
        dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
    }
    $settings = [Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.Encoding = [Text.UTF8Encoding]::new($false)
    $writer = [Xml.XmlWriter]::Create($Destination, $settings)
    $paras = {
        param([string[]] $Texts)
        $writer.WriteStartElement('maml', 'description', $ns.maml)
        foreach ($t in @($Texts)) { $writer.WriteElementString('maml', 'para', $ns.maml, $t) }
        $writer.WriteEndElement()
    }
    $writeParameter = {
        param($p, [string[]] $Description)
        $writer.WriteStartElement('command', 'parameter', $ns.command)
        $writer.WriteAttributeString('required', $p.Mandatory.ToString().ToLowerInvariant())
        $writer.WriteAttributeString('variableLength', ($p.Type -like '*`[`]').ToString().ToLowerInvariant())
        $writer.WriteAttributeString('globbing', $p.Wildcards.ToString().ToLowerInvariant())
        $pipeline = if ($p.ByValue -and $p.ByPropertyName) { 'True (ByValue, ByPropertyName)' } elseif ($p.ByValue) { 'True (ByValue)' } elseif ($p.ByPropertyName) { 'True (ByPropertyName)' } else { 'False' }
        $writer.WriteAttributeString('pipelineInput', $pipeline)
        $writer.WriteAttributeString('position', $(if ($p.Position -ge 0) { [string]$p.Position } else { 'named' }))
        $writer.WriteAttributeString('aliases', $(if (@($p.Aliases).Count) { $p.Aliases -join ', ' } else { 'none' }))
        $writer.WriteElementString('maml', 'name', $ns.maml, $p.Name)
        & $paras $Description
        if (-not $p.IsSwitch) {
            $writer.WriteStartElement('command', 'parameterValue', $ns.command)
            $writer.WriteAttributeString('required', 'true')
            $writer.WriteString($p.TypeName)
            $writer.WriteEndElement()
        }
        $writer.WriteStartElement('dev', 'type', $ns.dev)
        $writer.WriteElementString('maml', 'name', $ns.maml, $p.Type)
        $writer.WriteEndElement()
        $writer.WriteEndElement()
    }

    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($cmd in $metadata) {
            $mdPath = Join-Path $CmdletDocs "$($cmd.Name).md"
            if (-not (Test-Path $mdPath)) { throw "Missing help source $mdPath for exported cmdlet $($cmd.Name)." }
            $doc = Read-CmdletMarkdown $mdPath
            if ($doc.Name -ne $cmd.Name) { throw "${mdPath}: the title must be '# $($cmd.Name)'." }
            if (-not $doc.Synopsis) { throw "${mdPath}: no SYNOPSIS." }
            if (-not $doc.Description) { throw "${mdPath}: no DESCRIPTION." }
            if (-not @($doc.Examples | Where-Object Code)) { throw "${mdPath}: no example with code." }
            $allParameters = @($cmd.Sets | ForEach-Object { $_.Parameters } | Sort-Object Name -Unique)
            foreach ($name in $ShouldProcessParameters.Keys) {
                if (-not $doc.Parameters.Contains($name) -and $name -in @($allParameters | ForEach-Object Name)) { $doc.Parameters[$name] = @($ShouldProcessParameters[$name]) }
            }
            foreach ($p in $allParameters) {
                if (-not $doc.Parameters.Contains($p.Name)) { throw "${mdPath}: parameter -$($p.Name) is not documented." }
            }
            foreach ($name in $doc.Parameters.Keys) {
                if ($name -notin @($allParameters | ForEach-Object Name)) { throw "${mdPath}: documents -$name, which $($cmd.Name) does not have." }
            }

            $writer.WriteStartElement('command', 'command', $ns.command)
            $writer.WriteAttributeString('xmlns', 'maml', $null, $ns.maml)
            $writer.WriteAttributeString('xmlns', 'dev', $null, $ns.dev)
            $writer.WriteStartElement('command', 'details', $ns.command)
            $writer.WriteElementString('command', 'name', $ns.command, $cmd.Name)
            $writer.WriteElementString('command', 'verb', $ns.command, $cmd.Verb)
            $writer.WriteElementString('command', 'noun', $ns.command, $cmd.Noun)
            & $paras $doc.Synopsis
            $writer.WriteEndElement()
            & $paras $doc.Description

            $writer.WriteStartElement('command', 'syntax', $ns.command)
            foreach ($set in $cmd.Sets) {
                $writer.WriteStartElement('command', 'syntaxItem', $ns.command)
                $writer.WriteElementString('maml', 'name', $ns.maml, $cmd.Name)
                foreach ($p in @($set.Parameters | Sort-Object @{ Expression = { if ($_.Position -ge 0) { $_.Position } else { 1000 } } }, Name)) {
                    & $writeParameter $p $doc.Parameters[$p.Name]
                }
                $writer.WriteEndElement()
            }
            $writer.WriteEndElement()

            $writer.WriteStartElement('command', 'parameters', $ns.command)
            foreach ($p in $allParameters) { & $writeParameter $p $doc.Parameters[$p.Name] }
            $writer.WriteEndElement()

            $writer.WriteStartElement('command', 'inputTypes', $ns.command)
            $inputs = if ($doc.Inputs.Count) { $doc.Inputs } else { Get-PipelineInputs $allParameters }
            foreach ($input in $inputs.Keys) {
                $writer.WriteStartElement('command', 'inputType', $ns.command)
                $writer.WriteStartElement('dev', 'type', $ns.dev)
                $writer.WriteElementString('maml', 'name', $ns.maml, $input)
                $writer.WriteEndElement()
                & $paras $inputs[$input]
                $writer.WriteEndElement()
            }
            $writer.WriteEndElement()

            $writer.WriteStartElement('command', 'returnValues', $ns.command)
            foreach ($output in $doc.Outputs.Keys) {
                $writer.WriteStartElement('command', 'returnValue', $ns.command)
                $writer.WriteStartElement('dev', 'type', $ns.dev)
                $writer.WriteElementString('maml', 'name', $ns.maml, $output)
                $writer.WriteEndElement()
                & $paras $doc.Outputs[$output]
                $writer.WriteEndElement()
            }
            $writer.WriteEndElement()

            $writer.WriteStartElement('command', 'examples', $ns.command)
            foreach ($example in $doc.Examples) {
                $writer.WriteStartElement('command', 'example', $ns.command)
                $writer.WriteElementString('maml', 'title', $ns.maml, "-------------------------- $($example.Title) --------------------------")
                $writer.WriteElementString('dev', 'code', $ns.dev, $example.Code)
                $writer.WriteStartElement('dev', 'remarks', $ns.dev)
                foreach ($t in @($example.Remarks)) { $writer.WriteElementString('maml', 'para', $ns.maml, $t) }
                $writer.WriteEndElement()
                $writer.WriteEndElement()
            }
            $writer.WriteEndElement()

            $writer.WriteStartElement('command', 'relatedLinks', $ns.command)
            foreach ($link in $doc.Links) {
                $writer.WriteStartElement('maml', 'navigationLink', $ns.maml)
                $writer.WriteElementString('maml', 'linkText', $ns.maml, $link)
                $writer.WriteElementString('maml', 'uri', $ns.maml, '')
                $writer.WriteEndElement()
            }
            $writer.WriteEndElement()
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally {
        $writer.Dispose()
    }
    Write-Host "Help written: $Destination"
}

#endregion

#region test

function Get-XunitProjects {
    Get-ChildItem (Join-Path $Root 'tests') -Directory | ForEach-Object {
        Get-ChildItem $_.FullName -Filter '*.csproj' -File
    } | Where-Object { (Get-Content $_.FullName -Raw) -match '<PackageReference\s+Include="xunit(\.v3)?"' } | Sort-Object Name
}

function Invoke-XunitProject([IO.FileInfo] $Project) {
    $name = $Project.BaseName
    $js = Join-Path $Project.DirectoryName 'js'
    if (Test-Path (Join-Path $js 'package.json')) {
        # Hook for the interop tests: their JavaScript peers come from npm.
        if (-not (Get-Command npm -ErrorAction SilentlyContinue)) { throw "$name needs Node.js/npm (found $js/package.json)." }
        Write-Step "npm ci in $js"
        $null = Invoke-Native npm @('ci', '--no-audit', '--no-fund') -WorkingDirectory $js
    }
    Write-Step "dotnet test $name"
    $trx = Join-Path $ResultsDir "$name.trx"
    Remove-Item $trx -ErrorAction SilentlyContinue
    $code = Invoke-Native dotnet @('test', $Project.FullName, '-c', $Configuration, '--no-build', '--nologo',
        '--logger', "trx;LogFileName=$trx", '--results-directory', $ResultsDir) -AllowFailure
    $counts = [pscustomobject]@{ Name = $name; Passed = 0; Failed = 0; Skipped = 0; FailedTests = @() }
    if (Test-Path $trx) {
        $run = ([xml](Get-Content $trx -Raw)).TestRun
        $summary = $run.ResultSummary.Counters
        $counts.Passed = [int]$summary.passed
        $counts.Failed = [int]$summary.failed + [int]$summary.error + [int]$summary.timeout + [int]$summary.aborted
        $counts.Skipped = [int]$summary.notExecuted
        # Named here so the closing lines of a CI log say which test failed and why, without the .trx file.
        $counts.FailedTests = @($run.Results.UnitTestResult | Where-Object outcome -ne 'Passed' | Where-Object outcome -ne 'NotExecuted' |
            ForEach-Object { '{0}: {1}' -f $_.testName, ("$($_.Output.ErrorInfo.Message)" -split "`n")[0] })
    }
    if ($code -ne 0 -and $counts.Failed -eq 0) {
        # The run itself broke (crash, no test host): count it as a failure rather than losing it.
        Write-Warning "dotnet test $name exited with $code without reporting a failed test."
        $counts.Failed = 1
    }
    return $counts
}

function Get-PesterModulePath {
    $restoreProject = Join-Path $PesterTests 'PesterRestore.csproj'
    $null = Invoke-Native dotnet @('restore', $restoreProject, '--nologo', '-v', 'quiet')
    $assets = Get-Content (Join-Path $PesterTests 'obj/project.assets.json') -Raw | ConvertFrom-Json
    foreach ($folder in $assets.packageFolders.PSObject.Properties.Name) {
        $candidate = Join-Path $folder "pester/$PesterVersion/tools/Pester.psd1"
        if (Test-Path $candidate) { return $candidate }
    }
    throw "Pester $PesterVersion was restored but tools/Pester.psd1 was not found in the package folders."
}

function Invoke-PesterTests {
    Write-Step 'Pester tests (child pwsh)'
    $pester = Get-PesterModulePath
    $countsPath = Join-Path $ResultsDir 'pester-counts.json'
    Remove-Item $countsPath -ErrorAction SilentlyContinue
    $script = @"
`$ErrorActionPreference = 'Stop'
`$env:DATAMESH_MODULE_PATH = $(Get-QuotedLiteral $ModuleDir)
Import-Module $(Get-QuotedLiteral $pester) -RequiredVersion $PesterVersion
`$config = New-PesterConfiguration
`$config.Run.Path = $(Get-QuotedLiteral $PesterTests)
`$config.Run.PassThru = `$true
`$config.Output.Verbosity = 'Detailed'
`$config.TestResult.Enabled = `$true
`$config.TestResult.OutputFormat = 'JUnitXml'
`$config.TestResult.OutputPath = $(Get-QuotedLiteral (Join-Path $ResultsDir 'pester.xml'))
`$result = Invoke-Pester -Configuration `$config
[pscustomobject]@{
    Passed = `$result.PassedCount
    Failed = `$result.FailedCount + `$result.FailedBlocksCount + `$result.FailedContainersCount
    Skipped = `$result.SkippedCount + `$result.NotRunCount
    FailedTests = @(`$result.Failed | ForEach-Object { '{0}: {1}' -f `$_.ExpandedPath, ("`$(`$_.ErrorRecord | Select-Object -First 1)" -split "``n")[0] })
} | ConvertTo-Json | Set-Content -LiteralPath $(Get-QuotedLiteral $countsPath) -Encoding utf8
"@
    $code = Invoke-ChildPwsh $script -AllowFailure
    if (-not (Test-Path $countsPath)) {
        Write-Warning "The Pester run exited with $code without producing results."
        return [pscustomobject]@{ Name = 'Pester'; Passed = 0; Failed = 1; Skipped = 0; FailedTests = @() }
    }
    $counts = Get-Content $countsPath -Raw | ConvertFrom-Json
    return [pscustomobject]@{ Name = 'Pester'; Passed = [int]$counts.Passed; Failed = [int]$counts.Failed; Skipped = [int]$counts.Skipped
        FailedTests = @($counts.FailedTests) }
}

function Invoke-Test {
    Invoke-Build
    New-Item -ItemType Directory -Path $ResultsDir -Force | Out-Null
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $results = @(foreach ($project in Get-XunitProjects) { Invoke-XunitProject $project }) + @(Invoke-PesterTests)
    Write-Host ''
    $results | Format-Table Name, Passed, Failed, Skipped -AutoSize | Out-Host
    foreach ($result in $results) {
        foreach ($test in $result.FailedTests) { Write-Host "FAILED [$($result.Name)] $test" -ForegroundColor Red }
    }
    Write-Host ("Tests took {0:n1} s." -f $clock.Elapsed.TotalSeconds)
    $passed = ($results | Measure-Object Passed -Sum).Sum
    $failed = ($results | Measure-Object Failed -Sum).Sum
    $skipped = ($results | Measure-Object Skipped -Sum).Sum
    $line = "$passed passed, $failed failed"
    if ($skipped -gt 0) { $line += ", $skipped skipped" }
    return [pscustomobject]@{ Line = $line; Failed = $failed }
}

#endregion

#region demo, bench, clean

function Invoke-Demo {
    Invoke-Build
    Write-Step 'demo: a local mesh of 6 storage nodes and 2 clients in one pwsh process (examples/Demo-LocalMesh.ps1)'
    # A child process, so the nodes and the assemblies they load end with it; a failed step exits non-zero there,
    # which Invoke-Native turns into a failure here.
    $demo = Join-Path $Root 'examples/Demo-LocalMesh.ps1'
    $null = Invoke-ChildPwsh "& $(Get-QuotedLiteral $demo) -ModulePath $(Get-QuotedLiteral $ModuleDir) -StorageNodes 6 -SizeMiB 32 -MaxConcurrency 8"
}

function Invoke-Bench {
    $arguments = @(if ($BenchArgs.Count -eq 1) { $BenchArgs[0] -split '\s+' | Where-Object { $_ } } else { $BenchArgs })
    if ($arguments.Count -gt 0 -and $arguments[0] -eq 'progress') {
        # Progress is a PowerShell matter: measured through the staged module's cmdlets, in a child pwsh.
        Invoke-Build
        $script = Join-Path $Root 'tests/DataMesh.Benchmarks/Progress/Measure-ProgressCost.ps1'
        $extra = @($arguments | Select-Object -Skip 1 | ForEach-Object { if ($_ -like '-*') { $_ } else { Get-QuotedLiteral $_ } }) -join ' '
        Write-Step "bench progress: $script $extra"
        $null = Invoke-ChildPwsh "& $(Get-QuotedLiteral $script) -ModulePath $(Get-QuotedLiteral $ModuleDir) $extra"
        return
    }
    Write-Step "dotnet run tests/DataMesh.Benchmarks -- $($arguments -join ' ')"
    $null = Invoke-Native dotnet (@('run', '-c', 'Release', '--project', (Join-Path $Root 'tests/DataMesh.Benchmarks'), '--') + $arguments)
}

function Invoke-Clean {
    Write-Step 'clean'
    $targets = @($OutDir) + @(Get-ChildItem (Join-Path $Root 'src'), (Join-Path $Root 'tests') -Directory |
        ForEach-Object { Join-Path $_.FullName 'bin'; Join-Path $_.FullName 'obj'; Join-Path $_.FullName 'TestResults' })
    foreach ($target in $targets) {
        if (Test-Path $target) { Remove-Item $target -Recurse -Force }
    }
    $script:Built = $false
}

#endregion

$exitCode = 0
$closingLine = $null
try {
    foreach ($name in $Task) {
        switch ($name) {
            'build' { Invoke-Build }
            'test' {
                $summary = Invoke-Test
                $closingLine = $summary.Line
                if ($summary.Failed -gt 0) { $exitCode = 1 }
            }
            'demo' { Invoke-Demo }
            'bench' { Invoke-Bench }
            'clean' { Invoke-Clean }
        }
    }
}
catch {
    Write-Host "build.ps1 failed: $($_.Exception.Message)" -ForegroundColor Red
    Write-Host $_.ScriptStackTrace
    $exitCode = 2
}
if ($closingLine) {
    # The one closing line CI reads.
    Write-Output $closingLine
}
exit $exitCode
