using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Kad;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Transports;
using static DataMesh.Benchmarks.Kad.KadSimulationStats;
using IdentityKey = DataMesh.Libp2p.Identity.Identity;

namespace DataMesh.Benchmarks.Kad;

/// <summary>`kad-sim --memory-probe`: what each part of a simulated node costs in managed memory, measured one part
/// at a time (settled heap before and after adding many of it): an idle host with its DHT, one idle connection
/// (both ends: raw in-memory link, Noise, Yamux, the host's connection), one peer-store entry, one routing-table entry.</summary>
internal static class KadMemoryProbe
{
    public static async Task RunAsync(int latencyMs)
    {
        const int Count = 400;
        var network = new InMemoryNetwork(defaultLink: new InMemoryLinkOptions { Latency = TimeSpan.FromMilliseconds(latencyMs) });
        // The idle-connection probe below dials every connection from one node, so the per-peer limit grows with them.
        var roomy = new HostOptions { MaxConnections = 2 * Count + 16, MaxConnectionsPerPeer = Count + 16, MaxPendingInboundHandshakes = 256 };

        // Idle nodes: host + DHT, listening, nothing else.
        var nodes = new List<(Libp2pHost Host, KadDht Dht)>();
        long before = SettledManagedBytes();
        for (int i = 0; i < Count; i++)
        {
            var host = new Libp2pHost(IdentityKey.Generate(), [new InMemoryTransport(network)], roomy);
            await host.ListenAsync([Multiaddr.Parse($"/memory/{i + 1}")], CancellationToken.None);
            var dht = new KadDht(host);
            await dht.StartAsync(CancellationToken.None);
            nodes.Add((host, dht));
        }
        double idleNode = (double)(SettledManagedBytes() - before) / Count;

        // Idle connections between two of them (a dial without /p2p never reuses a connection), after a warm-up dial.
        (Libp2pHost listener, _) = nodes[0];
        (Libp2pHost dialer, _) = nodes[1];
        await dialer.DialAsync(listener.ListenAddresses[0], CancellationToken.None);
        await Task.Delay(1000);
        before = SettledManagedBytes();
        await Parallel.ForEachAsync(Enumerable.Range(0, Count), new ParallelOptions { MaxDegreeOfParallelism = 32 },
            async (_, ct) => await dialer.DialAsync(listener.ListenAddresses[0], ct));
        await Task.Delay(2000); // Identify exchanges finish
        double connection = (double)(SettledManagedBytes() - before) / Count;

        // Peer-store entries with one address each, and routing-table entries, for peers that are not connected.
        PeerId[] peers = [.. Enumerable.Range(0, Count).Select(_ => { using IdentityKey key = IdentityKey.Generate(); return key.PeerId; })];
        before = SettledManagedBytes();
        for (int i = 0; i < Count; i++)
        {
            dialer.Peers.AddAddresses(peers[i], [Multiaddr.Parse($"/memory/{100_000 + i}")]);
        }
        double peerStoreEntry = (double)(SettledManagedBytes() - before) / Count;
        var table = new RoutingTable<PeerId>(KadDht.KeyOf(dialer.PeerId), 20, TimeProvider.System);
        before = SettledManagedBytes();
        int added = peers.Count(p => table.TryAdd(p, KadDht.KeyOf(p), out _) == RoutingTableAddResult.Added);
        double tableEntry = (double)(SettledManagedBytes() - before) / Math.Max(1, added);

        Console.WriteLine($"memory probe ({latencyMs} ms links, managed heap, settled):");
        Console.WriteLine($"  idle node (host + DHT, listening): {KiB(idleNode)}");
        Console.WriteLine($"  idle connection, both ends (in-memory link, Noise, Yamux, host connection, Identify done): {KiB(connection)}");
        Console.WriteLine($"  peer-store entry (one address): {peerStoreEntry:F0} B; routing-table entry: {tableEntry:F0} B ({added} added)");
        foreach ((Libp2pHost host, KadDht dht) in nodes)
        {
            await dht.DisposeAsync();
            await host.DisposeAsync();
        }
    }
}
