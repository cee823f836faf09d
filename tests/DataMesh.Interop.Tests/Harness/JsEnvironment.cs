using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DataMesh.Interop.Tests.Harness;

/// <summary>
/// Locates the JavaScript side of the interop tests (tests/DataMesh.Interop.Tests/js) and makes sure its npm
/// packages are installed: if node_modules is missing or older than package-lock.json, runs
/// <c>npm ci --no-audit --no-fund</c> once, guarded
/// within the process by a semaphore and across processes (parallel test runs) by an exclusive lock file.
/// </summary>
public static class JsEnvironment
{
    /// <summary>Set to use another js folder (must contain node.mjs).</summary>
    public const string JsDirectoryVariable = "DATAMESH_INTEROP_JS";

    /// <summary>Set to use another node executable than "node" from PATH.</summary>
    public const string NodeVariable = "DATAMESH_NODE";

    /// <summary>Set to use another npm executable than "npm" from PATH.</summary>
    public const string NpmVariable = "DATAMESH_NPM";

    private const int MinimumNodeMajorVersion = 20;
    private static readonly TimeSpan NpmCiTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan LockWaitTimeout = TimeSpan.FromMinutes(6);
    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private static volatile bool _ready;

    /// <summary>The js folder: <see cref="JsDirectoryVariable"/>, else found by walking up from the test binaries.</summary>
    public static string JsDirectory { get; } = LocateJsDirectory();

    /// <summary>The node executable to run.</summary>
    public static string NodeExecutable => Environment.GetEnvironmentVariable(NodeVariable) is { Length: > 0 } node ? node : "node";

    private static string NpmExecutable => Environment.GetEnvironmentVariable(NpmVariable) is { Length: > 0 } npm ? npm : "npm";

    /// <summary>Path of a script in the js folder.</summary>
    public static string ScriptPath(string fileName) => Path.Combine(JsDirectory, fileName);

    /// <summary>The arguments that start a js script under node with the Promise.withResolvers polyfill loaded first.</summary>
    public static IReadOnlyList<string> NodeArguments(string scriptFileName, IEnumerable<string> scriptArguments)
    {
        // --import takes a URL; a file URL works for absolute paths on every platform
        var arguments = new List<string> { "--import", new Uri(ScriptPath("poly.mjs")).AbsoluteUri, ScriptPath(scriptFileName) };
        arguments.AddRange(scriptArguments);
        return arguments;
    }

    /// <summary>Checks node and installs the npm packages if needed. Cheap after the first successful call.</summary>
    public static async Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }

        await InstallGate.WaitAsync(cancellationToken);
        try
        {
            if (_ready)
            {
                return;
            }

            await CheckNodeVersionAsync(cancellationToken);
            if (!IsInstalled())
            {
                await using var crossProcessLock = await AcquireInstallLockAsync(cancellationToken);
                if (!IsInstalled())
                {
                    await RunNpmCiAsync(cancellationToken);
                }
            }

            _ready = true;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    // npm ci writes node_modules/.package-lock.json last, so it marks a finished install; a package-lock.json
    // changed later (e.g. by a merge) makes the install stale
    private static bool IsInstalled()
    {
        var installed = new FileInfo(Path.Combine(JsDirectory, "node_modules", ".package-lock.json"));
        var wanted = new FileInfo(Path.Combine(JsDirectory, "package-lock.json"));
        return installed.Exists && (!wanted.Exists || installed.LastWriteTimeUtc >= wanted.LastWriteTimeUtc);
    }

    private static string LocateJsDirectory()
    {
        if (Environment.GetEnvironmentVariable(JsDirectoryVariable) is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "DataMesh.Interop.Tests", "js");
            if (File.Exists(Path.Combine(candidate, "node.mjs")))
            {
                return candidate;
            }
        }

        // unreachable from a normal checkout; the failure is reported when a test first needs the folder
        return Path.Combine(AppContext.BaseDirectory, "js-not-found");
    }

    private static async Task CheckNodeVersionAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(ScriptPath("node.mjs")))
        {
            throw new JsNodeException(
                $"The interop js folder was not found (looked for tests/DataMesh.Interop.Tests/js/node.mjs above {AppContext.BaseDirectory}); set {JsDirectoryVariable}.");
        }

        var result = await ChildProcess.RunAsync(NodeExecutable, ["--version"], JsDirectory, TimeSpan.FromSeconds(30), cancellationToken);
        var version = result.StandardOutput.Trim();
        if (result.ExitCode != 0 || !version.StartsWith('v')
            || !int.TryParse(version.AsSpan(1, Math.Max(0, version.IndexOf('.', StringComparison.Ordinal) - 1)), NumberStyles.None, CultureInfo.InvariantCulture, out var major))
        {
            throw new JsNodeException($"'{NodeExecutable} --version' failed (exit {result.ExitCode}): {result.StandardOutput}{result.StandardError}");
        }

        if (major < MinimumNodeMajorVersion)
        {
            throw new JsNodeException($"Node.js {version} is too old for js-libp2p 3.x; version {MinimumNodeMajorVersion} or later is required.");
        }
    }

    private static async Task<FileStream> AcquireInstallLockAsync(CancellationToken cancellationToken)
    {
        // one lock per js folder, outside the repository so that it never shows up in git
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(JsDirectory)).AsSpan(0, 8));
        var lockPath = Path.Combine(Path.GetTempPath(), $"datamesh-interop-npm-{hash}.lock");
        var deadline = DateTime.UtcNow + LockWaitTimeout;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            }
            catch (IOException ex)
            {
                throw new JsNodeException($"Timed out waiting for another test run's npm ci (lock {lockPath}).", ex);
            }
        }
    }

    private static async Task RunNpmCiAsync(CancellationToken cancellationToken)
    {
        ChildProcessResult result;
        try
        {
            result = await ChildProcess.RunAsync(NpmExecutable, ["ci", "--no-audit", "--no-fund"], JsDirectory, NpmCiTimeout, cancellationToken);
        }
        catch (JsNodeException ex)
        {
            throw new JsNodeException(
                $"The interop tests need npm to install {JsDirectory}/node_modules, and running npm failed: {ex.Message} " +
                $"Install Node.js {MinimumNodeMajorVersion}+ with npm, or run 'npm ci --no-audit --no-fund' in {JsDirectory}.", ex);
        }

        if (result.ExitCode != 0 || !IsInstalled())
        {
            throw new JsNodeException(
                $"'npm ci --no-audit --no-fund' in {JsDirectory} failed with exit code {result.ExitCode}:{Environment.NewLine}{result.StandardError}{result.StandardOutput}");
        }
    }
}
