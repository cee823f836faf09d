using DataMesh.Core.Configuration;
using DataMesh.Storage.Catalog;
using DataMesh.Storage.Manifests;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Node.Files;

/// <summary>
/// The scheduled check of a service node: every <see cref="MaintenanceOptions.CheckIntervalSecs"/> it tests up to
/// <see cref="MaintenanceOptions.FilesPerRun"/> files of the catalog (in file-key order, going on where the last run
/// stopped) and repairs each one that is not Healthy, so the mesh heals after a node dies without a person. One owned
/// loop on the node's <see cref="TimeProvider"/>; a run's failures are logged, never thrown out of the loop.
/// </summary>
internal sealed class ScheduledRepair : IAsyncDisposable
{
    private readonly MaintenanceOptions _options;
    private readonly FileCatalog _catalog;
    private readonly FileMaintenance _maintenance;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private string? _resumeAfter;
    private int _runs;
    private int _disposed;

    public ScheduledRepair(MaintenanceOptions options, FileCatalog catalog, FileMaintenance maintenance, TimeProvider time, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.CheckIntervalSecs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.FilesPerRun, 1);
        _options = options;
        _catalog = catalog;
        _maintenance = maintenance;
        _time = time;
        _logger = logger;
    }

    /// <summary>Runs completed so far (each checked its share of the catalog).</summary>
    public int Runs => Volatile.Read(ref _runs);

    /// <summary>What the last completed run did; null before the first.</summary>
    public MaintenanceRun? LastRun { get; private set; }

    /// <summary>Starts the loop: the first check runs one interval from now.</summary>
    public void Start() => _loop = LoopAsync(_stop.Token);

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.CheckIntervalSecs), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                LastRun = await RunOnceAsync(cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _runs);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // disposed
        }
    }

    /// <summary>Checks the next <see cref="MaintenanceOptions.FilesPerRun"/> files of the catalog and repairs those below target.</summary>
    public async Task<MaintenanceRun> RunOnceAsync(CancellationToken cancellationToken)
    {
        await _catalog.RefreshAsync(cancellationToken).ConfigureAwait(false);
        CatalogEntry[] batch = NextBatch(_catalog.Query());
        int belowTarget = 0, repaired = 0, failed = 0;
        foreach (CatalogEntry entry in batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _resumeAfter = entry.FileKey;
            try
            {
                ManifestAddress fileKey = ManifestAddress.Parse(entry.FileKey);
                FileAvailability health = await _maintenance.TestFileAsync(fileKey, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (health.Status == FileHealthStatus.Healthy)
                {
                    continue;
                }
                belowTarget++;
                Log.FileBelowTarget(_logger, entry.FileKey, entry.Name, health.ToleratedFailures, health.TargetFailures, health.Status);
                if (health.Status == FileHealthStatus.Lost)
                {
                    continue; // nothing to rebuild from
                }
                // The repair logs what it did (and its problems), one line per file.
                FileRepairResult repair = await _maintenance.RepairFileAsync(fileKey, cancellationToken: cancellationToken).ConfigureAwait(false);
                repaired += repair.After.Status == FileHealthStatus.Healthy ? 1 : 0;
            }
            catch (Exception error) when (error is DataMeshException or Storage.StorageException or Libp2p.Libp2pException or IOException)
            {
                failed++;
                Log.ScheduledCheckFailed(_logger, entry.FileKey, error.Message);
            }
        }
        var run = new MaintenanceRun(batch.Length, belowTarget, repaired, failed);
        Log.ScheduledRunDone(_logger, run.FilesChecked, run.BelowTarget, run.Repaired, run.Failed);
        return run;
    }

    /// <summary>The files after the last one checked, in file-key order, wrapping round to the start.</summary>
    private CatalogEntry[] NextBatch(IReadOnlyList<CatalogEntry> entries)
    {
        CatalogEntry[] ordered = [.. entries.OrderBy(e => e.FileKey, StringComparer.Ordinal)];
        int start = _resumeAfter is null ? 0 : ordered.Count(e => string.CompareOrdinal(e.FileKey, _resumeAfter) <= 0);
        return [.. ordered.Skip(start).Concat(ordered.Take(start)).Take(_options.FilesPerRun)];
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}

/// <summary>What one scheduled run did: files checked, found below target (not Healthy), repaired back to Healthy,
/// and those whose check or repair failed.</summary>
internal sealed record MaintenanceRun(int FilesChecked, int BelowTarget, int Repaired, int Failed);
