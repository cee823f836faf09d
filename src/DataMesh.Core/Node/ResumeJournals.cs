using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DataMesh.Core.Durability;
using DataMesh.Core.Transfers;
using DataMesh.Storage.Manifests;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Node;

/// <summary>
/// Where transfer journals live and what they must match. An upload's journal is in the data directory
/// (<c>journals/</c>, owner-only), named after the source path; its operation key also covers the file's size and
/// modification time and every setting that shapes the shards, so a changed file or setting starts a fresh upload.
/// A download's journal is beside its temporary <c>*.partial</c> file, keyed by the file key.
/// </summary>
internal static class ResumeJournals
{
    public const string DirectoryName = "journals";

    public static string UploadJournalPath(string dataDirectory, string sourcePath)
    {
        string name = "upload-" + Digest(sourcePath)[..32];
        return TransferJournal.PathInDirectory(Path.Combine(dataDirectory, DirectoryName), name);
    }

    /// <summary>The upload's identity: the source file as it is now, the chunk size and the layout (data, parity,
    /// copies). A layout is chosen per send from the mesh, so a rerun over a changed mesh gets another key and starts
    /// over rather than mixing layouts in one file.</summary>
    public static string UploadOperationKey(FileInfo source, int chunkSize, ShardLayout layout) =>
        "up2-" + Digest(string.Join('|', source.FullName, source.Length.ToString(CultureInfo.InvariantCulture),
            source.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture), chunkSize.ToString(CultureInfo.InvariantCulture),
            layout.DataShards.ToString(CultureInfo.InvariantCulture), layout.ParityShards.ToString(CultureInfo.InvariantCulture),
            layout.Copies.ToString(CultureInfo.InvariantCulture)))[..48];

    public static string DownloadOperationKey(ManifestAddress fileKey) => "down1-" + fileKey.Hash;

    /// <summary>Opens a journal, creating its folder owner-only; null (with a warning) when the disk refuses, since a
    /// journal only saves work on a rerun and must never stop the transfer itself.</summary>
    public static async Task<TransferJournal?> TryOpenAsync(string path, string operationKey, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            string directory = Path.GetDirectoryName(path)!;
            if (!Directory.Exists(directory))
            {
                if (OperatingSystem.IsWindows())
                {
                    Directory.CreateDirectory(directory);
                }
                else
                {
                    Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }
            return await TransferJournal.OpenAsync(path, operationKey, logger: logger, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            Log.JournalUnavailable(logger, path, error.Message);
            return null;
        }
    }

    private static string Digest(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
