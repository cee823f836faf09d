using System.Diagnostics;
using DataMesh.Interop.Tests.Harness;

namespace DataMesh.Interop.Tests;

/// <summary>The harness itself: failures are reported clearly and no process outlives its JsNode.</summary>
[Trait("Category", "Interop")]
public sealed class JsHarnessTests
{
    [Fact]
    public async Task StartFailureReportsTheJsError()
    {
        var options = new JsNodeOptions { KadNamespace = "not/a/name" };
        var ex = await Assert.ThrowsAsync<JsNodeException>(() => JsNode.StartAsync(options));
        Assert.Contains("did not start", ex.Message, StringComparison.Ordinal);
        Assert.Contains("exited with code 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("kadNamespace", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposeEndsTheProcessAndLaterCommandsAreRefused()
    {
        var node = await JsNode.StartAsync();
        using var process = Process.GetProcessById(node.ProcessId);
        await node.DisposeAsync();
        Assert.True(process.HasExited);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => node.InfoAsync());
        await node.DisposeAsync();
    }

    [Fact]
    public async Task ADeadProcessFailsCommandsAtOnceWithItsExitCode()
    {
        await using var node = await JsNode.StartAsync();
        using (var process = Process.GetProcessById(node.ProcessId))
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        var started = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<JsNodeException>(() => node.InfoAsync(TimeSpan.FromSeconds(20)));
        Assert.IsNotType<JsNodeCommandException>(ex);
        Assert.Contains("exited with code", ex.Message, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"took {started.Elapsed}");
    }

    [Fact]
    public async Task ConcurrentCommandsGetTheirOwnReplies()
    {
        await using var a = await JsNode.StartAsync();
        await using var b = await JsNode.StartAsync();
        await a.DialAsync(b.Addresses[0]);
        // js-libp2p allows one outbound ping stream per connection, so the concurrent commands are echoes
        var echoes = Enumerable.Range(1, 6).Select(i => a.EchoAsync(b.PeerId, i * 100_000, seed: (uint)i)).ToList();
        var info = a.InfoAsync();
        var failing = Assert.ThrowsAsync<JsNodeCommandException>(() => a.IdentifyAsync("not-a-peer"));
        var results = await Task.WhenAll(echoes);
        Assert.Equal(Enumerable.Range(1, 6).Select(i => i * 100_000L), results.Select(r => r.Bytes));
        Assert.Equal(a.PeerId, (await info).PeerId);
        await failing;
    }

    [Fact]
    public async Task ThroughputAnchorReportsEveryRun()
    {
        var result = await JsThroughputAnchor.RunAsync(sizeMiB: 8, runs: 2, streams: 2);
        Assert.Equal(8L * 1024 * 1024, result.SizeBytes);
        Assert.Equal("/datamesh/sink/1.0.0", result.Protocol);
        Assert.Equal(2, result.Streams);
        Assert.Equal(2, result.Runs.Count);
        Assert.All(result.Runs, run => Assert.True(run.MbPerSec > 0 && run.Ms > 0));
        Assert.True(result.ReceiverMaxRssMiB > 0);
    }

    [Fact]
    public async Task ThroughputAnchorFailureCarriesTheScriptError()
    {
        var ex = await Assert.ThrowsAsync<JsNodeException>(() => JsThroughputAnchor.RunAsync(sizeMiB: 1, runs: 1, streams: 3));
        Assert.Contains("divide evenly", ex.Message, StringComparison.Ordinal);
    }
}
