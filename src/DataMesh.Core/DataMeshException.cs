namespace DataMesh.Core;

/// <summary>Base type of every error the node raises on purpose (configuration, transfers, sessions).</summary>
public class DataMeshException : Exception
{
    public DataMeshException(string message) : base(message) { }
    public DataMeshException(string message, Exception? innerException) : base(message, innerException) { }
}
