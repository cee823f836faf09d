using System.Runtime.ExceptionServices;

namespace DataMesh.Storage.Pipeline;

/// <summary>Runs the concurrent stages of a pipeline: the first stage to fail cancels the others, and the failure
/// reported is that root cause, not the cancellations it triggered.</summary>
internal static class PipelineStages
{
    public static async Task RunAsync(IReadOnlyList<Func<CancellationToken, Task>> stages, CancellationToken cancellationToken)
    {
        using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task[] running = new Task[stages.Count];
        for (int i = 0; i < stages.Count; i++)
        {
            Func<CancellationToken, Task> stage = stages[i];
            running[i] = Task.Run(async () =>
            {
                try
                {
                    await stage(linked.Token).ConfigureAwait(false);
                }
                catch
                {
                    await linked.CancelAsync().ConfigureAwait(false);
                    throw;
                }
            }, CancellationToken.None);
        }
        try
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        catch
        {
            Exception? root = running
                .Where(t => t.IsFaulted)
                .SelectMany(t => t.Exception!.InnerExceptions)
                .FirstOrDefault(e => e is not OperationCanceledException);
            if (root is not null)
            {
                ExceptionDispatchInfo.Throw(root);
            }
            throw;
        }
    }
}
