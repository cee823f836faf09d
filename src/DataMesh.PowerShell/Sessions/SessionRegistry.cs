namespace DataMesh.PowerShell.Sessions;

/// <summary>
/// The nodes running in this process. The most recently started one is the default that cmdlets use without
/// -Session; stopping it makes the previous one the default again. Removing the module stops them all.
/// </summary>
internal static class SessionRegistry
{
    private static readonly Lock Gate = new();
    private static readonly List<DataMeshSession> Sessions = [];
    private static int _lastId;

    public static int NextId() => Interlocked.Increment(ref _lastId);

    public static IReadOnlyList<DataMeshSession> All
    {
        get
        {
            lock (Gate)
            {
                return [.. Sessions];
            }
        }
    }

    /// <summary>The session cmdlets use when -Session is not given; null when no node runs.</summary>
    public static DataMeshSession? Default
    {
        get
        {
            lock (Gate)
            {
                return Sessions.Count == 0 ? null : Sessions[^1];
            }
        }
    }

    public static void Add(DataMeshSession session)
    {
        lock (Gate)
        {
            Sessions.Add(session);
        }
    }

    /// <summary>The running session using <paramref name="dataPath"/>, if any (two nodes must not share a store).</summary>
    public static DataMeshSession? FindByDataPath(string dataPath)
    {
        lock (Gate)
        {
            return Sessions.FirstOrDefault(s => string.Equals(s.DataPath, dataPath,
                OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal));
        }
    }

    public static bool Remove(DataMeshSession session)
    {
        lock (Gate)
        {
            return Sessions.Remove(session);
        }
    }

    /// <summary>Stops every session (module removal, process exit). Waits for each node to close.</summary>
    public static void StopAll()
    {
        DataMeshSession[] sessions;
        lock (Gate)
        {
            sessions = [.. Sessions];
            Sessions.Clear();
        }
        foreach (DataMeshSession session in sessions.Reverse())
        {
            session.StopAsync().GetAwaiter().GetResult();
        }
    }
}
