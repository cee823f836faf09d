namespace DataMesh.Core.Durability;

/// <summary>
/// Chooses the cheapest layout that lets a file survive the loss of any <c>toleratedFailures</c> storage nodes, from
/// how many storage nodes can take its shards.
/// </summary>
/// <remarks>
/// <para>An erasure code spread over n nodes that must survive f of them failing stores at least n/(n-f) bytes per
/// byte (the MDS bound): every node holds one shard of each stripe, f of them parity. So with n &gt; f + 1 nodes a
/// stripe is (n - f) data + f parity shards, one per node. With n ≤ f + 1 the code cannot help: the stripe is one data
/// shard and n - 1 parity shards, one per node (replication), surviving n - 1 losses. Reed-Solomon parity of a single
/// data shard is a byte-for-byte copy of it (the systematic matrix's one column is all ones), so its n slots share
/// one address: the send stores that object once per slot, on distinct nodes, and Test/Repair count it per slot like
/// any other stripe.</para>
/// <para>The stripe is capped at <see cref="MaxDataShards"/> data shards: a stripe is held in memory while it is
/// coded (data shards × chunk size per stripe in flight: 16 MiB at the default 1 MiB chunks), and wider stripes
/// make every read of a small file touch more peers. Past n = <see cref="MaxDataShards"/> + f the overhead stays
/// at (16 + f)/16 (1.125 for f = 2) instead of falling further towards 1; on a large mesh the stripes of one file
/// still land on different XOR-close peers, so the load spreads over the whole mesh.</para>
/// </remarks>
public static class LayoutPolicy
{
    /// <summary>The widest stripe's data shards.</summary>
    public const int MaxDataShards = 16;

    /// <summary>The most node failures a policy may ask for (the manifest allows up to this many parity shards).</summary>
    public const int MaxToleratedFailures = 32;

    /// <summary>The layout for <paramref name="storagePeers"/> reachable storage nodes and a target of
    /// <paramref name="toleratedFailures"/> node losses, with the tolerance it achieves there.</summary>
    public static LayoutChoice Choose(int storagePeers, int toleratedFailures)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(storagePeers, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(toleratedFailures);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(toleratedFailures, MaxToleratedFailures);
        if (toleratedFailures == 0)
        {
            // No loss to survive: the cheapest code that is still a code (one parity shard per stripe), so that
            // a single flipped or missing shard is rebuilt rather than fatal. At least two data shards (parity of
            // one is a copy with the same address); on fewer than 3 nodes some node holds two shards of a stripe.
            int data = Math.Clamp(storagePeers - 1, 2, MaxDataShards);
            return new LayoutChoice(new ShardLayout(data, 1), storagePeers, 0, storagePeers > 2 ? 1 : 0);
        }
        if (storagePeers <= toleratedFailures + 1)
        {
            // Replication: one slot per node, every slot the same bytes (a single node: the data shard alone).
            return new LayoutChoice(new ShardLayout(1, storagePeers - 1), storagePeers, toleratedFailures, storagePeers - 1);
        }
        int dataShards = Math.Min(storagePeers - toleratedFailures, MaxDataShards);
        return new LayoutChoice(new ShardLayout(dataShards, toleratedFailures), storagePeers, toleratedFailures, toleratedFailures);
    }

    /// <summary>The lowest bytes stored per byte of file that any code over <paramref name="storagePeers"/> nodes
    /// surviving <paramref name="toleratedFailures"/> losses can reach (n/(n-f)), or n when f ≥ n - 1 (replication).</summary>
    public static double MdsBound(int storagePeers, int toleratedFailures)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(storagePeers, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(toleratedFailures);
        return toleratedFailures >= storagePeers - 1 ? storagePeers : (double)storagePeers / (storagePeers - toleratedFailures);
    }
}
