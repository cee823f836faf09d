namespace DataMesh.Storage;

/// <summary>Base type of every error the data plane raises on purpose (corrupt shards, wrong keys, full disk, bad manifests).</summary>
public class StorageException : Exception
{
    public StorageException(string message) : base(message) { }
    public StorageException(string message, Exception? innerException) : base(message, innerException) { }
}
