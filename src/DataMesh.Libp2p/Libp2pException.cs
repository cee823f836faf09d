namespace DataMesh.Libp2p;

/// <summary>Base type of every error the libp2p layer raises on purpose (bad input, protocol violations, limits).</summary>
public class Libp2pException : Exception
{
    public Libp2pException(string message) : base(message) { }
    public Libp2pException(string message, Exception? innerException) : base(message, innerException) { }
}
