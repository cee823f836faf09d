namespace DataMesh.Storage.Addressing;

/// <summary>
/// Incremental BLAKE3-256, for hashing a whole file's plaintext chunk by chunk without holding it in memory.
/// Produces the same value as <see cref="ContentHash.Compute"/> over the concatenated input.
/// </summary>
internal sealed class ContentHasher : IDisposable
{
    private readonly Blake3.Hasher _hasher = Blake3.Hasher.New();
    private bool _disposed;

    /// <summary>Total bytes appended since creation or the last <see cref="Reset"/>.</summary>
    public long BytesHashed { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _hasher.Update(data);
        BytesHashed += data.Length;
    }

    /// <summary>The hash of everything appended so far; the hasher may continue to be appended to.</summary>
    public ContentHash GetHash()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> digest = stackalloc byte[ContentHash.Size];
        _hasher.Finalize(digest);
        return ContentHash.FromBytes(digest);
    }

    public void Reset()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _hasher.Reset();
        BytesHashed = 0;
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _hasher.Dispose();
        }
    }
}
