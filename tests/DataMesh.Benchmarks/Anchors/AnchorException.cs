namespace DataMesh.Benchmarks.Anchors;

/// <summary>An anchor (reference measurement of another system) could not be run.</summary>
public sealed class AnchorException : Exception
{
    public AnchorException()
    {
    }

    public AnchorException(string message)
        : base(message)
    {
    }

    public AnchorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
