namespace DataMesh.Storage.Crypto;

/// <summary>A sealed chunk (or sealed metadata) did not authenticate: altered, truncated, reordered, or from another file.</summary>
internal sealed class ChunkAuthenticationException : StorageException
{
    public ChunkAuthenticationException(string message) : base(message) { }
    public ChunkAuthenticationException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>A file key cannot be recovered with the identity that tried: the file was not shared with it.</summary>
public sealed class WrongKeyException : StorageException
{
    public WrongKeyException(string message) : base(message) { }
    public WrongKeyException(string message, Exception? innerException) : base(message, innerException) { }
}
