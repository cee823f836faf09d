namespace DataMesh.Storage.Addressing;

/// <summary>A text that should be a content hash is not one.</summary>
internal sealed class ContentHashFormatException : StorageException
{
    public ContentHashFormatException(string message) : base(message) { }
}
