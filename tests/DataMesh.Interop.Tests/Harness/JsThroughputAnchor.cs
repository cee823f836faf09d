using System.Globalization;
using System.Text.Json;

namespace DataMesh.Interop.Tests.Harness;

/// <summary>One timed js-to-js transfer of the throughput anchor.</summary>
public sealed record JsThroughputRun(double Ms, double MbPerSec);

/// <summary>Result line of js/throughput.mjs (MB = 10^6 bytes).</summary>
public sealed record JsThroughputResult(
    string Name,
    string Protocol,
    long SizeBytes,
    int ChunkBytes,
    int Streams,
    IReadOnlyList<JsThroughputRun> Runs,
    double MbPerSecMedian,
    double SenderMaxRssMiB,
    double ReceiverMaxRssMiB,
    string Node);

/// <summary>
/// Runs js/throughput.mjs: js-libp2p to js-libp2p stream throughput over /datamesh/sink/1.0.0 (TCP + Noise +
/// Yamux, two processes on loopback), the same-run reference for the C# libp2p throughput benchmark.
/// </summary>
public static class JsThroughputAnchor
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<JsThroughputResult> RunAsync(int sizeMiB = 256, int runs = 1, int streams = 1, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sizeMiB);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(runs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(streams);
        await JsEnvironment.EnsureReadyAsync(cancellationToken);
        var arguments = JsEnvironment.NodeArguments("throughput.mjs",
        [
            "--size-mib", sizeMiB.ToString(CultureInfo.InvariantCulture),
            "--runs", runs.ToString(CultureInfo.InvariantCulture),
            "--streams", streams.ToString(CultureInfo.InvariantCulture),
        ]);
        var result = await ChildProcess.RunAsync(
            JsEnvironment.NodeExecutable, arguments, JsEnvironment.JsDirectory, timeout ?? TimeSpan.FromMinutes(5), cancellationToken);

        var line = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? string.Empty;
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (result.ExitCode == 0 && root.TryGetProperty("event", out var evt) && evt.ValueEquals("result"))
            {
                return root.Deserialize<JsThroughputResult>(Json)
                    ?? throw new JsNodeException("throughput.mjs printed an empty result.");
            }
        }
        catch (JsonException)
        {
            // reported below with everything the script printed
        }

        throw new JsNodeException(
            $"throughput.mjs failed (exit {result.ExitCode}):{Environment.NewLine}{result.StandardOutput}{Environment.NewLine}{result.StandardError}");
    }
}
