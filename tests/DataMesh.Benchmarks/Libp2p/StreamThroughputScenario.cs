using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using DataMesh.Benchmarks.Anchors;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Transports;

namespace DataMesh.Benchmarks.Libp2p;

/// <summary>`libp2p-stream`: bulk throughput of one stream over TCP + Noise + Yamux on loopback, C# to C#, beside
/// js-libp2p to js-libp2p measured in the same run (the anchor script), and the memory 1,000 idle inbound
/// connections hold. Both C# hosts share one process (and so its two cores); js uses one process per side.</summary>
internal static class StreamThroughputScenario
{
    private const string SinkProtocol = "/datamesh/sink/1.0.0";
    private const int WriteSize = 64 * 1024;

    public static async Task<int> RunAsync(string[] args)
    {
        int sizeMiB = ArgValue(args, "--size-mib", 256);
        int runs = ArgValue(args, "--runs", 3);
        int idle = ArgValue(args, "--idle-connections", 1000);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");

        var csharp = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            double mbps = await MeasureCSharpAsync(sizeMiB);
            csharp.Add(mbps);
            Console.WriteLine($"RESULT csharp-stream run={i + 1} size_mib={sizeMiB} mb_per_s={mbps:0.0}");
        }
        double csharpMedian = Median(csharp);

        double? jsMedian = null;
        try
        {
            JsStreamThroughputResult js = await JsStreamThroughputAnchor.RunAsync(sizeMiB, runs, streams: 1);
            jsMedian = js.MbPerSecMedian;
            Console.WriteLine($"RESULT js-stream size_mib={sizeMiB} runs={runs} mb_per_s_median={js.MbPerSecMedian:0.0} node={js.Node}");
        }
        catch (AnchorException error)
        {
            Console.WriteLine($"js anchor unavailable: {error.Message}");
        }

        Console.WriteLine($"SUMMARY stream C#<->C# median {csharpMedian:0.0} MB/s" +
            (jsMedian is { } j ? $"; js<->js median {j:0.0} MB/s; ratio {csharpMedian / j:0.00}x" : ""));

        (double perConnectionKiB, double totalMiB) = await MeasureIdleConnectionsAsync(idle);
        Console.WriteLine($"SUMMARY idle connections: {idle} inbound (+ their {idle} outbound ends in the same process) hold {totalMiB:0.0} MiB; " +
            $"{perConnectionKiB:0.0} KiB per connection pair");
        return 0;
    }

    private static async Task<double> MeasureCSharpAsync(int sizeMiB)
    {
        await using var receiver = await StartHostAsync();
        await using var sender = await StartHostAsync();
        receiver.SetStreamHandler(SinkProtocol, SinkAsync);
        Connection connection = await sender.DialAsync(receiver.ListenAddresses[0].WithPeerId(receiver.PeerId), CancellationToken.None);
        await using Libp2pStream stream = await connection.OpenStreamAsync(SinkProtocol, CancellationToken.None);

        long total = (long)sizeMiB * 1024 * 1024;
        byte[] block = new byte[WriteSize];
        new Random(1).NextBytes(block);
        var watch = Stopwatch.StartNew();
        for (long sent = 0; sent < total; sent += WriteSize)
        {
            await stream.Output.WriteAsync(block);
        }
        await stream.CloseWriteAsync(CancellationToken.None);
        ReadResult result = await stream.Input.ReadAtLeastAsync(8);
        long counted = BinaryPrimitives.ReadInt64BigEndian(result.Buffer.Slice(0, 8).ToArray());
        stream.Input.AdvanceTo(result.Buffer.End);
        watch.Stop();
        if (counted != total)
        {
            throw new InvalidOperationException($"The receiver counted {counted} bytes of {total}.");
        }
        return total / 1e6 / watch.Elapsed.TotalSeconds;
    }

    private static async Task SinkAsync(Libp2pStream stream, CancellationToken cancellationToken)
    {
        long count = 0;
        while (true)
        {
            ReadResult result = await stream.Input.ReadAsync(cancellationToken);
            count += result.Buffer.Length;
            stream.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }
        byte[] answer = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(answer, count);
        await stream.Output.WriteAsync(answer, cancellationToken);
        await stream.CloseWriteAsync(cancellationToken);
    }

    private static async Task<(double PerConnectionKiB, double TotalMiB)> MeasureIdleConnectionsAsync(int count)
    {
        // One dialer opens every connection, so the per-peer limit is raised on both sides with the total.
        HostOptions roomy = HostOptions.Default with { MaxConnections = count * 2 + 16, MaxConnectionsPerPeer = count + 16, MaxPendingInboundHandshakes = 256 };
        await using var listener = await StartHostAsync(roomy);
        await using var dialer = await StartHostAsync(roomy);
        // Dialing without /p2p/ never reuses a connection: each dial is one more inbound connection on the listener.
        Multiaddr address = listener.ListenAddresses[0];
        await dialer.DialAsync(address, CancellationToken.None); // warm-up: code paths and pools, not counted
        Settle();
        long before = Process.GetCurrentProcess().WorkingSet64;
        for (int i = 0; i < count; i++)
        {
            await dialer.DialAsync(address, CancellationToken.None);
        }
        await Task.Delay(1000);
        Settle();
        long after = Process.GetCurrentProcess().WorkingSet64;
        if (listener.Connections.Count < count)
        {
            throw new InvalidOperationException($"Only {listener.Connections.Count} of {count} connections stayed open.");
        }
        double totalMiB = (after - before) / 1024.0 / 1024.0;
        return (totalMiB * 1024 / count, totalMiB);
    }

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static async Task<Libp2pHost> StartHostAsync(HostOptions? options = null)
    {
        var host = new Libp2pHost(DataMesh.Libp2p.Identity.Identity.Generate(), [new TcpTransport(new TcpTransportOptions())], options);
        await host.ListenAsync([Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")], CancellationToken.None);
        return host;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static int ArgValue(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out int value) ? value : fallback;
    }
}
