using DataMesh.Storage.Addressing;
using DataMesh.Storage.Io;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Exchange;

/// <summary>Which users claim each shard a storage peer holds for others, kept durably beside the chunk store so
/// that a remote Delete removes only the deleter's own claim and a shard goes only when nobody claims it any more.
/// </summary>
/// <remarks>
/// One small file per claimed shard, <c>&lt;dir&gt;/&lt;first two hex digits&gt;/&lt;hash hex&gt;</c>:
/// <c>"DMCL" || version (1) || count (1) || count × 32-byte owner keys</c>, replaced atomically (temporary sibling,
/// fsync, rename). Nothing is cached, so memory stays constant however many shards are held; a shard holds at most
/// <see cref="MaxOwnersPerShard"/> claims, so no file grows past a few hundred bytes. Every change to one shard's
/// claims, and the store or delete that goes with it, happens under that shard's lease
/// (<see cref="AcquireAsync"/>), so a store that adds a claim and a delete that removes the last one never interleave.
/// </remarks>
internal sealed class ShardClaims : IDisposable
{
    public const int DefaultMaxOwnersPerShard = 16;

    /// <summary>The format's ceiling (a one-byte count); <see cref="MaxOwnersPerShard"/> may not exceed it.</summary>
    public const int FormatMaxOwners = 255;

    internal const int HeaderSize = 6;
    private const byte FormatVersion = 1;
    private const int StripeCount = 64;

    private readonly SemaphoreSlim[] _stripes;
    private readonly ILogger? _logger;

    private ShardClaims(string directory, int maxOwnersPerShard, ILogger? logger)
    {
        Directory = directory;
        MaxOwnersPerShard = maxOwnersPerShard;
        _logger = logger;
        _stripes = [.. Enumerable.Range(0, StripeCount).Select(_ => new SemaphoreSlim(1, 1))];
    }

    public string Directory { get; }

    /// <summary>How many distinct owners one shard may have; a claim beyond it is refused (the store is answered
    /// <see cref="ChunkResponseStatus.TooManyClaims"/>), so a flood of fake claims costs a bounded amount of disk.</summary>
    public int MaxOwnersPerShard { get; }

    internal static ReadOnlySpan<byte> Magic => "DMCL"u8;

    /// <summary>Opens (creating if needed) the claims kept in <paramref name="directory"/> and removes temporary
    /// files an interrupted write left behind.</summary>
    public static ShardClaims Open(string directory, int maxOwnersPerShard = DefaultMaxOwnersPerShard, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxOwnersPerShard, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxOwnersPerShard, FormatMaxOwners);
        string root = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(root);
        foreach (string leftover in System.IO.Directory.EnumerateFiles(root, ".*.tmp", SearchOption.AllDirectories))
        {
            TryDelete(leftover);
        }
        return new ShardClaims(root, maxOwnersPerShard, logger);
    }

    /// <summary>Takes <paramref name="shard"/>'s lease and reads its claims. Dispose the lease to release it.</summary>
    /// <exception cref="ShardClaimsException">The claims file cannot be read or is damaged.</exception>
    public async ValueTask<ShardClaimLease> AcquireAsync(ContentHash shard, CancellationToken cancellationToken)
    {
        SemaphoreSlim stripe = _stripes[StripeOf(shard)];
        await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            List<OwnerTag> owners = await ReadAsync(shard, cancellationToken).ConfigureAwait(false);
            return new ShardClaimLease(this, shard, owners, stripe);
        }
        catch
        {
            stripe.Release();
            throw;
        }
    }

    /// <summary>The owners claiming <paramref name="shard"/> (empty when unclaimed).</summary>
    public async Task<IReadOnlyList<OwnerTag>> GetOwnersAsync(ContentHash shard, CancellationToken cancellationToken)
    {
        using ShardClaimLease lease = await AcquireAsync(shard, cancellationToken).ConfigureAwait(false);
        return lease.Owners;
    }

    /// <summary>Drops the claims of shards the store no longer holds (its garbage collection or a corrupt copy
    /// removed them), so the claims directory never outgrows the store. Returns how many were dropped.</summary>
    public async Task<int> PruneAsync(Func<ContentHash, bool> isHeld, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(isHeld);
        int dropped = 0;
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!ContentHash.TryParse(Path.GetFileName(path), out ContentHash shard) || isHeld(shard))
            {
                continue;
            }
            SemaphoreSlim stripe = _stripes[StripeOf(shard)];
            await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Checked again under the lease: a store may have brought the shard back meanwhile.
                if (!isHeld(shard))
                {
                    TryDelete(path);
                    dropped++;
                }
            }
            finally
            {
                stripe.Release();
            }
        }
        return dropped;
    }

    public void Dispose()
    {
        foreach (SemaphoreSlim stripe in _stripes)
        {
            stripe.Dispose();
        }
    }

    internal string PathOf(ContentHash shard)
    {
        string hex = shard.ToString();
        return Path.Combine(Directory, hex[..2], hex);
    }

    private static int StripeOf(ContentHash shard)
    {
        Span<byte> bytes = stackalloc byte[ContentHash.Size];
        shard.WriteTo(bytes);
        return bytes[0] % StripeCount;
    }

    private async Task<List<OwnerTag>> ReadAsync(ContentHash shard, CancellationToken cancellationToken)
    {
        string path = PathOf(shard);
        byte[] content;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return [];
            }
            // Checked before reading: a file larger than the format allows is damage, not a reason to allocate.
            if (info.Length > HeaderSize + (FormatMaxOwners * OwnerTag.Size))
            {
                throw Damaged(shard, $"it is {info.Length} bytes, more than the format allows");
            }
            content = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ShardClaimsException($"The claims of shard {shard} could not be read: {error.Message}", error);
        }
        return Parse(shard, content);
    }

    private List<OwnerTag> Parse(ContentHash shard, ReadOnlySpan<byte> content)
    {
        if (content.Length < HeaderSize || !content.StartsWith(Magic) || content[4] != FormatVersion)
        {
            throw Damaged(shard, "the header is not a version 1 claims header");
        }
        int count = content[5];
        if (content.Length != HeaderSize + (count * OwnerTag.Size))
        {
            throw Damaged(shard, $"it announces {count} owners in {content.Length} bytes");
        }
        var owners = new List<OwnerTag>(count);
        for (int i = 0; i < count; i++)
        {
            owners.Add(OwnerTag.FromBytes(content.Slice(HeaderSize + (i * OwnerTag.Size), OwnerTag.Size)));
        }
        return owners;
    }

    private ShardClaimsException Damaged(ContentHash shard, string reason)
    {
        if (_logger is not null)
        {
            Log.ClaimsDamaged(_logger, shard, reason);
        }
        return new ShardClaimsException($"The claims of shard {shard} are damaged ({reason}); the shard is kept.");
    }

    /// <summary>Replaces the claims file (or removes it when <paramref name="owners"/> is empty). Called under the lease.</summary>
    internal async Task WriteAsync(ContentHash shard, IReadOnlyList<OwnerTag> owners, CancellationToken cancellationToken)
    {
        string path = PathOf(shard);
        try
        {
            if (owners.Count == 0)
            {
                File.Delete(path);
                return;
            }
            byte[] content = new byte[HeaderSize + (owners.Count * OwnerTag.Size)];
            Magic.CopyTo(content);
            content[4] = FormatVersion;
            content[5] = (byte)owners.Count;
            for (int i = 0; i < owners.Count; i++)
            {
                owners[i].WriteTo(content.AsSpan(HeaderSize + (i * OwnerTag.Size), OwnerTag.Size));
            }
            string directory = Path.GetDirectoryName(path)!;
            System.IO.Directory.CreateDirectory(directory);
            // Durable before the peer answers Ok: a lost claim could let another owner's delete remove the shard.
            await AtomicFile.WriteAsync(path, content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ShardClaimsException($"The claims of shard {shard} could not be written: {error.Message}", error);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover is retried at the next open or prune.
        }
    }
}

/// <summary>The claims of a shard could not be read or written; the shard is kept and the request refused.</summary>
internal sealed class ShardClaimsException : DataMeshException
{
    public ShardClaimsException(string message) : base(message) { }

    public ShardClaimsException(string message, Exception? innerException) : base(message, innerException) { }
}
