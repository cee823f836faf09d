using DataMesh.Core.Node.Files;
using DataMesh.Core.Transfers;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Node;

// The file operations of the session object, each handed to the service that owns it: FileTransfers (send, receive)
// and FileMaintenance (test, repair, remove).
public sealed partial class DataMeshNode
{
    /// <inheritdoc cref="FileTransfers.SendFileAsync"/>
    internal Task<SendFileResult> SendFileAsync(string path, SendFileOptions? options = null,
        IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default) =>
        _transfers.SendFileAsync(path, options, progress, cancellationToken);

    /// <inheritdoc cref="FileTransfers.ReceiveFileAsync"/>
    internal Task<ReceiveFileResult> ReceiveFileAsync(ManifestAddress fileKey, string? destination, ReceiveFileOptions? options = null,
        IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default) =>
        _transfers.ReceiveFileAsync(fileKey, destination, options, progress, cancellationToken);

    /// <inheritdoc cref="FileTransfers.GetManifestAsync"/>
    internal Task<Manifest> GetManifestAsync(ManifestAddress fileKey, CancellationToken cancellationToken = default) =>
        _transfers.GetManifestAsync(fileKey, cancellationToken);

    /// <inheritdoc cref="FileMaintenance.TestFileAsync"/>
    internal Task<FileAvailability> TestFileAsync(ManifestAddress fileKey, FileCheckOptions? options = null, CancellationToken cancellationToken = default) =>
        _maintenance.TestFileAsync(fileKey, options, cancellationToken);

    /// <inheritdoc cref="FileMaintenance.RepairFileAsync"/>
    internal Task<FileRepairResult> RepairFileAsync(ManifestAddress fileKey, FileCheckOptions? options = null, CancellationToken cancellationToken = default) =>
        _maintenance.RepairFileAsync(fileKey, options, cancellationToken);

    /// <inheritdoc cref="FileMaintenance.RemoveFileAsync"/>
    internal Task<FileRemovalResult> RemoveFileAsync(ManifestAddress fileKey, CancellationToken cancellationToken = default) =>
        _maintenance.RemoveFileAsync(fileKey, cancellationToken);
}
