namespace DataMesh.Storage.Erasure;

/// <summary>Raised when erasure-coded data cannot be rebuilt, for example because too few shards survive.</summary>
internal sealed class ErasureCodingException : StorageException
{
    public ErasureCodingException(string message) : base(message) { }
    public ErasureCodingException(string message, Exception? innerException) : base(message, innerException) { }
}
