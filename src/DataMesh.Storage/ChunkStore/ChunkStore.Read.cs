using DataMesh.Storage.Addressing;
using DataMesh.Storage.Io;
using Microsoft.Win32.SafeHandles;

namespace DataMesh.Storage.ChunkStore;

public sealed partial class ChunkStore
{
    /// <summary>Reads and verifies a shard into a pooled buffer the caller owns (dispose it), or returns null when
    /// the shard is not stored.</summary>
    /// <exception cref="CorruptShardException">The bytes on disk no longer match the address; the copy was removed.</exception>
    public async ValueTask<ShardBuffer?> TryGetAsync(ContentHash hash, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        string path = _layout.ShardPath(hash);
        SafeFileHandle? handle = TryOpen(path);
        if (handle is null)
        {
            return null;
        }
        AlignedBuffer buffer;
        int read;
        using (handle)
        {
            int length = CheckedLength(hash, path, handle);
            buffer = AlignedBufferPool.Shared.Rent(length);
            try
            {
                read = await ReadFullyAsync(handle, buffer.Memory, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                buffer.Dispose();
                throw;
            }
        }
        ContentHash? actual = null;
        if (read == buffer.Length)
        {
            actual = ContentHash.Compute(buffer.Memory.Span);
            if (actual == hash)
            {
                return new ShardBuffer(buffer);
            }
        }
        buffer.Dispose();
        return RecheckOrRemove(hash, path, actual);
    }

    /// <summary>Reads and verifies a shard into <paramref name="destination"/> and returns its length.</summary>
    /// <exception cref="ShardNotFoundException">The shard is not stored.</exception>
    /// <exception cref="ArgumentException">The destination is shorter than the shard.</exception>
    /// <exception cref="CorruptShardException">The bytes on disk no longer match the address; the copy was removed.</exception>
    public async ValueTask<int> ReadIntoAsync(ContentHash hash, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        string path = _layout.ShardPath(hash);
        SafeFileHandle handle = TryOpen(path) ?? throw new ShardNotFoundException(hash);
        int length, read;
        using (handle)
        {
            length = CheckedLength(hash, path, handle);
            if (destination.Length < length)
            {
                throw new ArgumentException($"Shard {hash} is {length} bytes; the destination holds only {destination.Length}.", nameof(destination));
            }
            read = await ReadFullyAsync(handle, destination[..length], cancellationToken).ConfigureAwait(false);
        }
        ContentHash? actual = null;
        if (read == length)
        {
            actual = ContentHash.Compute(destination.Span[..length]);
            if (actual == hash)
            {
                return length;
            }
        }
        // RecheckOrRemove returns only when a good copy replaced the bad one while we read; content addressing makes
        // it the same bytes, so the same length.
        using ShardBuffer good = RecheckOrRemove(hash, path, actual);
        good.Span.CopyTo(destination.Span);
        return good.Length;
    }

    private static SafeFileHandle? TryOpen(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.Asynchronous);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The length of an open shard file, refused before any buffer is sized from it when it exceeds the limit.</summary>
    private int CheckedLength(ContentHash hash, string path, SafeFileHandle handle)
    {
        long length = RandomAccess.GetLength(handle);
        if (length > _options.MaxShardBytes)
        {
            handle.Dispose();
            RemoveCorrupt(hash, path, $"{length} bytes, more than the {_options.MaxShardBytes}-byte limit");
            throw new CorruptShardException(hash, $"{length} bytes, more than the {_options.MaxShardBytes}-byte limit");
        }
        return (int)length;
    }

    /// <summary>Reads until the buffer is full or the file ends (a file that shrank is corrupt); returns the count.
    /// When the buffer is block-aligned the aligned part is read with direct I/O, straight from the device into it
    /// (no page-cache copy, and the hash then checks what is really on disk); the tail and unaligned buffers are read
    /// through the page cache.</summary>
    private static async ValueTask<int> ReadFullyAsync(SafeFileHandle handle, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int offset = 0;
        int prefix = buffer.Length >= DirectIo.Alignment && DirectIo.IsAligned(buffer) ? DirectIo.AlignDown(buffer.Length) : 0;
        if (prefix > 0 && DirectIo.TrySet(handle, direct: true))
        {
            try
            {
                // Direct reads must stay block-aligned; a short read that leaves us mid-block (the file shrank) ends it.
                while (offset < prefix && offset % DirectIo.Alignment == 0)
                {
                    int read = await RandomAccess.ReadAsync(handle, buffer[offset..prefix], offset, cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return offset;
                    }
                    offset += read;
                }
            }
            finally
            {
                DirectIo.TrySet(handle, direct: false);
            }
        }
        while (offset < buffer.Length)
        {
            int read = await RandomAccess.ReadAsync(handle, buffer[offset..], offset, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }
            offset += read;
        }
        return offset;
    }

    /// <summary>A read did not verify. Under the stripe lock (so no writer can be replacing the file) read the file
    /// again: if a good copy was stored meanwhile, return it; otherwise remove the bad one and throw.</summary>
    private ShardBuffer RecheckOrRemove(ContentHash hash, string path, ContentHash? actual)
    {
        lock (StripeFor(hash))
        {
            ShardBuffer? current = ReadVerifiedLocked(hash, path);
            if (current is not null)
            {
                return current;
            }
            RemoveLockedAndLog(hash, path, actual is { } a ? $"content hashes to {a}" : "file shorter than its recorded length");
        }
        throw actual is { } found ? new CorruptShardException(hash, found) : new CorruptShardException(hash, "file shorter than its recorded length");
    }

    private void RemoveCorrupt(ContentHash hash, string path, string reason)
    {
        lock (StripeFor(hash))
        {
            RemoveLockedAndLog(hash, path, reason);
        }
    }

    private void RemoveLockedAndLog(ContentHash hash, string path, string reason)
    {
        RemoveLocked(path);
        Log.CorruptShardRemoved(_logger, hash.ToString(), reason);
    }

    private ShardBuffer? ReadVerifiedLocked(ContentHash hash, string path)
    {
        using SafeFileHandle? handle = TryOpen(path);
        if (handle is null)
        {
            return null;
        }
        long length = RandomAccess.GetLength(handle);
        if (length > _options.MaxShardBytes)
        {
            return null;
        }
        AlignedBuffer buffer = AlignedBufferPool.Shared.Rent((int)length);
        Span<byte> bytes = buffer.Memory.Span;
        int offset = 0;
        while (offset < length)
        {
            int read = RandomAccess.Read(handle, bytes[offset..], offset);
            if (read == 0)
            {
                break;
            }
            offset += read;
        }
        if (offset == length && ContentHash.Compute(bytes) == hash)
        {
            return new ShardBuffer(buffer);
        }
        buffer.Dispose();
        return null;
    }
}
