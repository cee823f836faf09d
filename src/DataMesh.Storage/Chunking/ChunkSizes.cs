namespace DataMesh.Storage.Chunking;

/// <summary>Bounds on the plaintext chunk size.
/// <para>Minimum 64 KiB: every chunk costs a 32-byte address per shard in the manifest, a lookup and a request on
/// the network, so very small chunks make manifests and transfer overhead balloon (an 8 GiB file is 131,072 chunks
/// at 64 KiB; at 4 KiB it would be two million). Maximum 4 MiB: the cipher's limit, and the most a peer has to
/// buffer per shard. Default 1 MiB: large enough for disk and network efficiency, small enough that a stripe of
/// k = 10 fits comfortably in memory many times over.</para></summary>
internal static class ChunkSizes
{
    public const int Min = 64 * 1024;

    /// <summary>Smallest chunk size accepted in a file someone else encoded (the manifest format's floor); the
    /// encoder itself never goes below <see cref="Min"/>.</summary>
    public const int MinReadable = Manifests.ManifestLimits.MinChunkSize;
    public const int Max = Crypto.ChunkCipher.MaxChunkLength;
    public const int Default = 1024 * 1024;

    /// <summary>Throws <see cref="InvalidLayoutException"/> unless <paramref name="chunkSize"/> is within bounds.</summary>
    public static int Validate(int chunkSize)
    {
        if (chunkSize is < Min or > Max)
        {
            throw new InvalidLayoutException($"Chunk size {chunkSize} bytes is out of range: it must be between {Min} (64 KiB) and {Max} (4 MiB) bytes.");
        }
        return chunkSize;
    }
}

/// <summary>A chunk size, stripe shape or file size that the data plane does not accept (from options or from a
/// manifest a peer sent).</summary>
internal sealed class InvalidLayoutException : StorageException
{
    public InvalidLayoutException(string message) : base(message) { }
}
