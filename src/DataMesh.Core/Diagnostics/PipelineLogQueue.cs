using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Diagnostics;

/// <summary>The host stream a log entry belongs on.</summary>
public enum PipelineLogLevel
{
    Debug,
    Verbose,
    Warning,
    Error,
}

/// <summary>One queued log message.</summary>
public readonly record struct PipelineLogEntry(PipelineLogLevel Level, string Category, string Message);

/// <summary>
/// An <see cref="ILoggerProvider"/> for hosts that may only write output from one thread (PowerShell's
/// pipeline thread): loggers on any thread enqueue, the host drains with <see cref="TryDequeue"/> from its own
/// thread. Bounded: when the host does not drain, new entries are dropped and counted in <see cref="DroppedCount"/>.
/// Hosts see only this type, never the logging abstractions, so they need no reference to them.
/// </summary>
public sealed class PipelineLogQueue : ILoggerProvider
{
    private readonly ConcurrentQueue<PipelineLogEntry> _entries = new();
    private readonly int _capacity;
    private readonly LogLevel _minimum;
    private int _count;
    private long _dropped;

    /// <param name="includeDebug">Whether Trace/Debug messages are kept (they are frequent; hosts ask only when shown).</param>
    /// <param name="capacity">Entries kept before new ones are dropped.</param>
    public PipelineLogQueue(bool includeDebug = false, int capacity = 10_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _minimum = includeDebug ? LogLevel.Trace : LogLevel.Information;
    }

    /// <summary>Entries dropped because the queue was full.</summary>
    public long DroppedCount => Interlocked.Read(ref _dropped);

    public bool TryDequeue(out PipelineLogEntry entry)
    {
        if (_entries.TryDequeue(out entry))
        {
            Interlocked.Decrement(ref _count);
            return true;
        }
        return false;
    }

    public ILogger CreateLogger(string categoryName) => new QueueLogger(this, categoryName);

    public void Dispose()
    {
        // Nothing to release: the queue holds only managed strings and is collected with the provider.
    }

    private void Enqueue(LogLevel level, string category, string message)
    {
        if (Interlocked.Increment(ref _count) > _capacity)
        {
            Interlocked.Decrement(ref _count);
            Interlocked.Increment(ref _dropped);
            return;
        }
        _entries.Enqueue(new PipelineLogEntry(Map(level), category, message));
    }

    private static PipelineLogLevel Map(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => PipelineLogLevel.Debug,
        LogLevel.Information => PipelineLogLevel.Verbose,
        LogLevel.Warning => PipelineLogLevel.Warning,
        _ => PipelineLogLevel.Error,
    };

    private sealed class QueueLogger(PipelineLogQueue owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= owner._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var message = formatter(state, exception);
            if (exception is not null)
            {
                message += $" ({exception.GetType().Name}: {exception.Message})";
            }
            owner.Enqueue(logLevel, category, message);
        }
    }
}
