using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace DataMesh.Benchmarks.Anchors;

/// <summary>One timed js-to-js transfer.</summary>
public sealed record JsStreamThroughputRun(double Ms, double MbPerSec);

/// <summary>What tests/DataMesh.Interop.Tests/js/throughput.mjs measured (MB = 10^6 bytes).</summary>
public sealed record JsStreamThroughputResult(
    string Name,
    string Protocol,
    long SizeBytes,
    int ChunkBytes,
    int Streams,
    IReadOnlyList<JsStreamThroughputRun> Runs,
    double MbPerSecMedian,
    double SenderMaxRssMiB,
    double ReceiverMaxRssMiB,
    string Node);

/// <summary>
/// The js-libp2p reference for the libp2p stream benchmark: runs throughput.mjs from the interop tests' js folder,
/// which sends SIZE MiB from one js-libp2p process to another over /datamesh/sink/1.0.0 (TCP + Noise + Yamux on
/// 127.0.0.1), so the C# figure and the js figure come from the same run on the same machine.
/// </summary>
public static class JsStreamThroughputAnchor
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The interop js folder, found by walking up from the running binary (or DATAMESH_INTEROP_JS).</summary>
    public static string LocateJsDirectory()
    {
        if (Environment.GetEnvironmentVariable("DATAMESH_INTEROP_JS") is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "DataMesh.Interop.Tests", "js");
            if (File.Exists(Path.Combine(candidate, "throughput.mjs")))
            {
                return candidate;
            }
        }

        throw new AnchorException($"tests/DataMesh.Interop.Tests/js was not found above {AppContext.BaseDirectory}; set DATAMESH_INTEROP_JS.");
    }

    /// <summary>Runs the anchor; installs the js packages first (npm ci) if they are missing.</summary>
    public static async Task<JsStreamThroughputResult> RunAsync(int sizeMiB = 256, int runs = 3, int streams = 1, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sizeMiB);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(runs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(streams);
        var js = LocateJsDirectory();
        if (!File.Exists(Path.Combine(js, "node_modules", ".package-lock.json")))
        {
            var (code, output) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], js, cancellationToken);
            if (code != 0)
            {
                throw new AnchorException($"'npm ci --no-audit --no-fund' in {js} failed with exit code {code}:{Environment.NewLine}{output}");
            }
        }

        var (exit, stdout) = await RunAsync(
            "node",
            [
                "--import", new Uri(Path.Combine(js, "poly.mjs")).AbsoluteUri, Path.Combine(js, "throughput.mjs"),
                "--size-mib", sizeMiB.ToString(CultureInfo.InvariantCulture),
                "--runs", runs.ToString(CultureInfo.InvariantCulture),
                "--streams", streams.ToString(CultureInfo.InvariantCulture),
            ],
            js,
            cancellationToken);
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.StartsWith('{'));
        if (exit == 0 && line is not null)
        {
            try
            {
                var result = JsonSerializer.Deserialize<JsStreamThroughputResult>(line, Json);
                if (result is { Runs.Count: > 0 })
                {
                    return result;
                }
            }
            catch (JsonException)
            {
                // reported below with the whole output
            }
        }

        throw new AnchorException($"throughput.mjs failed (exit {exit}):{Environment.NewLine}{stdout}");
    }

    // stderr is inherited (progress lines show in the benchmark's console); stdout carries the JSON result
    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new AnchorException($"Cannot start '{fileName}' ({ex.Message}); the js anchor needs Node.js 20+ and npm on PATH.", ex);
        }

        // throughput.mjs has its own 10-minute limit; this one also covers npm ci
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromMinutes(12));
        try
        {
            var output = await process.StandardOutput.ReadToEndAsync(limit.Token);
            await process.WaitForExitAsync(limit.Token);
            return (process.ExitCode, output);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // it exited on its own meanwhile
            }

            throw;
        }
    }
}
