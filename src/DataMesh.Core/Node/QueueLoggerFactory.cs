using DataMesh.Core.Diagnostics;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Node;

/// <summary>A logger factory over one <see cref="PipelineLogQueue"/>, so hosts that only know the queue (not the
/// logging abstractions) can start a node whose every component logs into it.</summary>
internal sealed class QueueLoggerFactory(PipelineLogQueue queue) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => queue.CreateLogger(categoryName);

    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("A node's log goes to the one queue it was started with.");

    public void Dispose()
    {
        // The queue belongs to the host, which drains it after the node is gone.
    }
}
