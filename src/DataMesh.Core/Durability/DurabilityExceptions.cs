namespace DataMesh.Core.Durability;

/// <summary>Too few storage peers are reachable to store a file with any node-loss tolerance (fewer than 2), and the
/// send was not forced.</summary>
public sealed class InsufficientStoragePeersException : DataMeshException
{
    public InsufficientStoragePeersException(int storagePeers, int targetFailures)
        : base(Describe(storagePeers, targetFailures))
    {
        StoragePeers = storagePeers;
        TargetFailures = targetFailures;
    }

    /// <summary>Storage peers reachable when the send started.</summary>
    public int StoragePeers { get; }

    /// <summary>Node losses the file was to survive.</summary>
    public int TargetFailures { get; }

    private static string Describe(int peers, int target) => peers == 0
        ? $"No storage peer is reachable: the file cannot be stored (target: survive {target} node loss(es)). Connect to storage nodes first (Start-DataMeshNode -Bootstrap)."
        : $"Only {peers} storage peer is reachable: the file would not survive the loss of that node (target: {target} node loss(es)). " +
          "Connect to more storage nodes, or send anyway with -Force.";
}

/// <summary>A send could not place a file so that it survives as many node losses as the reachable mesh allows:
/// shards of one stripe would have shared a node (a node stopped answering, or refused) or the manifest found too
/// few holders.</summary>
public sealed class DurabilityShortfallException : DataMeshException
{
    public DurabilityShortfallException(string message, int expectedFailures, int achievedFailures, Exception? innerException = null)
        : base(message, innerException)
    {
        ExpectedFailures = expectedFailures;
        AchievedFailures = achievedFailures;
    }

    /// <summary>Node losses the layout chosen for the reachable mesh survives when every shard is placed.</summary>
    public int ExpectedFailures { get; }

    /// <summary>Node losses what was acknowledged survives (-1: not even every stripe is readable from distinct nodes).</summary>
    public int AchievedFailures { get; }
}
