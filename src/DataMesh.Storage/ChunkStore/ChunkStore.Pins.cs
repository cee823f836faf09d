using DataMesh.Storage.Addressing;

namespace DataMesh.Storage.ChunkStore;

// Pinning design. A pin is a named set of shard addresses that garbage collection must keep. The node pins
// - each file this user stored, under its manifest address (hex), with every shard of every stripe;
// - shards it holds for other peers, under the manifest address the peer announced when available, otherwise under
//   one "held-for-peers" pin that it rewrites as it accepts or drops shards.
// Pins may name shards that are not (yet) stored: a download pins before its shards arrive. Garbage collection
// deletes stored shards that no pin names and that are older than the grace period (put-then-pin is the normal
// order of an upload, and the grace period covers the gap). Explicit DeleteAsync ignores pins.
public sealed partial class ChunkStore
{
    /// <summary>Records (or replaces) the pin <paramref name="pinId"/> so garbage collection keeps
    /// <paramref name="shards"/>. Durable when the call returns.</summary>
    /// <param name="pinId">1-128 characters of [A-Za-z0-9._-], e.g. a manifest address in hex or "held-for-peers".</param>
    public Task PinAsync(string pinId, IEnumerable<ContentHash> shards, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return _pins.PinAsync(pinId, shards, cancellationToken);
    }

    /// <summary>Removes a pin; its shards become garbage unless another pin names them. False when it did not exist.</summary>
    public Task<bool> UnpinAsync(string pinId, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return _pins.UnpinAsync(pinId, cancellationToken);
    }

    /// <summary>True when at least one pin names the shard.</summary>
    public bool IsPinned(ContentHash hash) => _pins.IsPinned(hash);

    /// <summary>The ids of all pins.</summary>
    public IReadOnlyCollection<string> PinIds => _pins.Ids;

    /// <summary>The shards a pin names, or null when there is no such pin.</summary>
    public IReadOnlyList<ContentHash>? GetPin(string pinId) => _pins.Get(pinId);

    /// <summary>Deletes every stored shard that no pin names and that is older than
    /// <see cref="ChunkStoreOptions.GarbageGracePeriod"/>. Safe to run alongside reads, writes and pin changes: each
    /// shard's "pinned? old? delete" decision is made under the pin lock and the shard's stripe lock.</summary>
    /// <exception cref="StorageException">A pin file could not be read at open; collecting could delete shards it protects.</exception>
    public async Task<GarbageCollectionResult> CollectGarbageAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        if (_pins.Unreadable.Count > 0)
        {
            throw new StorageException($"Garbage collection refused: {_pins.Unreadable.Count} pin file(s) could not be read ({_pins.Unreadable[0]}). Repair or remove them and reopen the store.");
        }
        DateTime cutoff = (_options.TimeProvider.GetUtcNow() - _options.GarbageGracePeriod).UtcDateTime;
        await Task.Yield();
        int deleted = 0, kept = 0;
        long freed = 0;
        foreach (string path in System.IO.Directory.EnumerateFiles(_layout.Shards, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!StoreLayout.TryParseShardPath(path, out ContentHash hash))
            {
                continue;
            }
            long removed = -1;
            lock (_pins.Sync)
            {
                lock (StripeFor(hash))
                {
                    if (!_pins.IsPinned(hash) && File.Exists(path) && File.GetLastWriteTimeUtc(path) <= cutoff)
                    {
                        removed = RemoveLocked(path);
                    }
                }
            }
            if (removed >= 0)
            {
                deleted++;
                freed += removed;
            }
            else
            {
                kept++;
            }
        }
        GarbageCollectionResult result = new(deleted, freed, kept);
        Log.GarbageCollected(_logger, freed, deleted, kept);
        return result;
    }
}
