namespace DataMesh.Libp2p.Host;

/// <summary>Owns background tasks (one per inbound stream, per handshake) so none is fire-and-forget: each is kept
/// until it ends, and the owner awaits the rest on dispose.</summary>
internal sealed class TaskTracker
{
    private readonly HashSet<Task> _tasks = [];
    private readonly Lock _gate = new();

    public int Count
    {
        get { lock (_gate) { return _tasks.Count; } }
    }

    public void Track(Func<Task> start)
    {
        Task task = start();
        lock (_gate)
        {
            if (task.IsCompleted)
            {
                return;
            }
            _tasks.Add(task);
        }
        task.ContinueWith(Forget, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static void Forget(Task task, object? state)
    {
        var self = (TaskTracker)state!;
        lock (self._gate)
        {
            self._tasks.Remove(task);
        }
    }

    /// <summary>Waits for every tracked task. Their own exceptions were logged by them; here they are only drained.</summary>
    public async Task WhenAllAsync()
    {
        Task[] pending;
        lock (_gate)
        {
            pending = [.. _tasks];
        }
        try
        {
            await Task.WhenAll(pending).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Each tracked task reports its own failure; dispose only needs them finished.
        }
    }
}
