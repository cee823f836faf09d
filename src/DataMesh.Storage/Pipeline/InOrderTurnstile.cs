namespace DataMesh.Storage.Pipeline;

/// <summary>Lets work items that finish out of order take turns in order: item n proceeds once item n−1 has called
/// <see cref="Complete"/>. The decoder uses it to feed the whole-file hash chunk by chunk in file order while
/// stripes are rebuilt in parallel; since stripes are handed out in order and each waits only for its predecessor,
/// at most the parallelism's worth of stripes are ever held waiting.</summary>
internal sealed class InOrderTurnstile
{
    private readonly Lock _sync = new();
    private readonly Dictionary<long, TaskCompletionSource> _waiting = [];
    private long _next;

    public Task WaitTurnAsync(long item, CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            if (item == _next)
            {
                return Task.CompletedTask;
            }
            ArgumentOutOfRangeException.ThrowIfLessThan(item, _next);
            TaskCompletionSource turn = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Add(item, turn);
            return turn.Task.WaitAsync(cancellationToken);
        }
    }

    public void Complete(long item)
    {
        TaskCompletionSource? successor;
        lock (_sync)
        {
            if (item != _next)
            {
                throw new InvalidOperationException($"Item {item} completed out of turn (expected {_next}).");
            }
            _next = item + 1;
            _waiting.Remove(_next, out successor);
        }
        successor?.TrySetResult();
    }
}
