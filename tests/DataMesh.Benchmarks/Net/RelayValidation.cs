using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DataMesh.Benchmarks.Net;

/// <summary>Checks, in the run that uses them, that the relays make the link they claim: a libp2p ping through
/// each shows the round-trip time, a bulk copy through one shows the rate.</summary>
internal static class RelayValidation
{
    public sealed record PingFigures(double MedianMs, double MinMs, double MaxMs, int Count);

    /// <summary>Libp2p pings (/ipfs/ping/1.0.0, 32 bytes each way) from the client to every node, over idle links.</summary>
    public static async Task<PingFigures> PingAsync(BenchMesh mesh, int roundsPerNode, CancellationToken cancellationToken)
    {
        var rtts = new List<double>();
        for (int round = 0; round < roundsPerNode; round++)
        {
            foreach (StorageNodeProcess node in mesh.Nodes)
            {
                TimeSpan rtt = await mesh.Client.Host.PingAsync(node.PeerId, cancellationToken);
                rtts.Add(rtt.TotalMilliseconds);
            }
        }
        rtts.Sort();
        return new PingFigures(rtts[rtts.Count / 2], rtts[0], rtts[^1], rtts.Count);
    }

    /// <summary>Copies <paramref name="bytes"/> over plain TCP through a fresh relay of the given shape into a sink that
    /// counts them; the rate is bytes over the time from the first write to the last byte counted (MB/s, 10^6).</summary>
    public static async Task<double> BulkCopyMbPerSecAsync(LinkShape shape, long bytes, CancellationToken cancellationToken)
    {
        using var sinkListener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        sinkListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        sinkListener.Listen(1);
        await using DelayRelay relay = DelayRelay.Start((IPEndPoint)sinkListener.LocalEndPoint!, shape);
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await sender.ConnectAsync(relay.EndPoint, cancellationToken);
        using Socket sink = await sinkListener.AcceptAsync(cancellationToken);

        Task<long> counting = CountAsync(sink, bytes, cancellationToken);
        byte[] block = new byte[64 * 1024];
        Random.Shared.NextBytes(block);
        var watch = Stopwatch.StartNew();
        for (long sent = 0; sent < bytes; sent += block.Length)
        {
            int size = (int)Math.Min(block.Length, bytes - sent);
            await sender.SendAsync(block.AsMemory(0, size), SocketFlags.None, cancellationToken);
        }
        long counted = await counting;
        watch.Stop();
        if (counted != bytes)
        {
            throw new InvalidOperationException($"The bulk copy through the relay delivered {counted} of {bytes} bytes.");
        }
        return bytes / 1e6 / watch.Elapsed.TotalSeconds;
    }

    private static async Task<long> CountAsync(Socket sink, long expected, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        while (total < expected)
        {
            int read = await sink.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                break;
            }
            total += read;
        }
        return total;
    }
}
