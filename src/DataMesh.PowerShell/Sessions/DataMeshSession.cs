using DataMesh.Core.Diagnostics;
using DataMesh.Core.Node;

namespace DataMesh.PowerShell.Sessions;

/// <summary>
/// One running node in this PowerShell process, with the log queue its components write to. Cmdlets find it in
/// <see cref="SessionRegistry"/>, or get it through -Session. Engine types stay internal so that formatting a session
/// never needs the network or storage assemblies.
/// </summary>
public sealed class DataMeshSession
{
    private readonly object _node;
    private readonly object _log;
    private int _closed;

    internal DataMeshSession(int id, DataMeshNode node, PipelineLogQueue log)
    {
        Id = id;
        _node = node;
        _log = log;
        PeerId = node.PeerIdText;
        DataPath = node.DataDirectory;
        StorageEnabled = node.StorageEnabled;
        StartedAt = node.StartedAt;
    }

    public int Id { get; }

    public string PeerId { get; }

    public string DataPath { get; }

    public bool StorageEnabled { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>False once the node has been stopped.</summary>
    public bool IsRunning => Volatile.Read(ref _closed) == 0;

    internal DataMeshNode Node => (DataMeshNode)_node;

    internal PipelineLogQueue Log => (PipelineLogQueue)_log;

    /// <summary>Stops the node: closes its connections and listeners and releases its store. Idempotent.</summary>
    internal async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        await Node.DisposeAsync().ConfigureAwait(false);
    }

    public override string ToString() => $"DataMesh session {Id} ({PeerId})";
}
