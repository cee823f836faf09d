using DataMesh.Storage;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Node;

/// <summary>The maintenance API in text form (file keys as "dm1…" strings), for the cmdlets.</summary>
public sealed partial class DataMeshNode
{
    /// <exception cref="NodeRequestException">Bad key (InvalidFileKey), no manifest (FileNotOnMesh), or a layer failed.</exception>
    public Task<FileAvailability> TestFileAsync(string fileKey, int safetyMargin, CancellationToken cancellationToken) =>
        TranslateMaintenanceAsync(ParseFileKey(fileKey), address => TestFileAsync(address, new FileCheckOptions(safetyMargin), cancellationToken));

    /// <exception cref="NodeRequestException">Bad key (InvalidFileKey), no manifest (FileNotOnMesh), or a layer failed.</exception>
    public Task<FileRepairResult> RepairFileAsync(string fileKey, int safetyMargin, CancellationToken cancellationToken) =>
        TranslateMaintenanceAsync(ParseFileKey(fileKey), address => RepairFileAsync(address, new FileCheckOptions(safetyMargin), cancellationToken));

    /// <exception cref="NodeRequestException">Bad key (InvalidFileKey), no manifest (FileNotOnMesh), another user's
    /// file (NotOwner), or a layer failed.</exception>
    public Task<FileRemovalResult> RemoveFileAsync(string fileKey, CancellationToken cancellationToken) =>
        TranslateMaintenanceAsync(ParseFileKey(fileKey), address => RemoveFileAsync(address, cancellationToken));

    private static ManifestAddress ParseFileKey(string? fileKey)
    {
        try
        {
            return ManifestAddress.Parse(fileKey?.Trim() ?? string.Empty);
        }
        catch (StorageException error)
        {
            throw new NodeRequestException(NodeErrorKind.InvalidFileKey, $"'{fileKey}' is not a file key: {error.Message}", error);
        }
    }

    private static async Task<T> TranslateMaintenanceAsync<T>(ManifestAddress address, Func<ManifestAddress, Task<T>> operation)
    {
        try
        {
            return await TranslateAsync(() => operation(address)).ConfigureAwait(false);
        }
        catch (FileNotFoundOnMeshException error)
        {
            throw new NodeRequestException(NodeErrorKind.FileNotOnMesh, error.Message, error);
        }
        catch (NotFileOwnerException error)
        {
            throw new NodeRequestException(NodeErrorKind.NotOwner, error.Message, error);
        }
    }
}
