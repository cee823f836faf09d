using System.Security.Cryptography;

namespace DataMesh.Libp2p.Identity;

/// <summary>
/// Persists the node identity as a libp2p PrivateKey protobuf file, private to the owner: on Unix the file is created
/// with mode 0600 and a file readable by group or others is refused. Writes are atomic (temporary file + rename).
/// </summary>
public static class IdentityFile
{
    private const int MaxFileSize = KeyProtobuf.MaxEncodedLength;

    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Loads the identity at <paramref name="path"/>, creating and saving a new one if the file does not exist.</summary>
    /// <exception cref="InsecureIdentityFileException">The file is accessible to group or others.</exception>
    /// <exception cref="InvalidKeyException">The file is not a valid Ed25519 identity.</exception>
    public static Identity LoadOrCreate(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        path = Path.GetFullPath(path);
        if (File.Exists(path))
        {
            return Load(path);
        }
        var identity = Identity.Generate();
        try
        {
            if (TrySave(identity, path))
            {
                return identity;
            }
        }
        catch
        {
            identity.Dispose();
            throw;
        }
        // Another process created the file first: use theirs, so every process agrees on one identity.
        identity.Dispose();
        return Load(path);
    }

    /// <summary>Loads an existing identity file.</summary>
    public static Identity Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & GroupOrOthers) != 0)
            {
                throw new InsecureIdentityFileException(
                    $"The identity key file '{path}' is accessible to other users (mode {Convert.ToString((int)mode, 8)}). " +
                    $"Restrict it to its owner, e.g. `chmod 600 '{path}'`, then retry.");
            }
        }
        byte[] content;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            if (stream.Length > MaxFileSize)
            {
                throw new InvalidKeyException($"The identity key file '{path}' is corrupt: {stream.Length} bytes is too large for a key.");
            }
            content = new byte[stream.Length];
            stream.ReadExactly(content);
        }
        try
        {
            return Identity.FromPrivateKeyProtobuf(content);
        }
        catch (Libp2pException ex) when (ex is InvalidKeyException or UnsupportedKeyTypeException)
        {
            // The inner message describes the structure problem; key bytes are never included.
            throw new InvalidKeyException($"The identity key file '{path}' is corrupt or not an Ed25519 libp2p private key: {ex.Message}", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
        }
    }

    /// <summary>Writes the identity to a new owner-only file. Returns false if <paramref name="path"/> already exists.</summary>
    private static bool TrySave(Identity identity, string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, OwnerOnlyDirectory);
            }
        }
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        var content = identity.ExportPrivateKeyProtobuf();
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerOnlyFile;
            }
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            try
            {
                // No overwrite: if another process won the race, its identity stands.
                File.Move(temp, path, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(path))
            {
                return false;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
            File.Delete(temp);
        }
    }
}
