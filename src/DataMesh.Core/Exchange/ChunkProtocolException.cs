namespace DataMesh.Core.Exchange;

/// <summary>A peer broke the chunk exchange protocol (malformed or oversized header, cut-short payload).</summary>
internal sealed class ChunkProtocolException : DataMeshException
{
    public ChunkProtocolException(string message) : base(message) { }
}
