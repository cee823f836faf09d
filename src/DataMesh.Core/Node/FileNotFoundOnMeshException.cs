using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Node;

/// <summary>No reachable peer could provide a file's manifest.</summary>
public sealed class FileNotFoundOnMeshException : DataMeshException
{
    public FileNotFoundOnMeshException(ManifestAddress fileKey, string detail)
        : base($"The manifest of {fileKey} could not be fetched from the mesh: {detail}.")
    {
        FileKey = fileKey;
        Detail = detail;
    }

    public ManifestAddress FileKey { get; }

    /// <summary>Why, without the file key (what each holder, or the DHT, answered).</summary>
    public string Detail { get; }
}
