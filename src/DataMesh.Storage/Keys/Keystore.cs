namespace DataMesh.Storage.Keys;

/// <summary>
/// Keeps the user's identity in a file inside the data directory: owner-only permissions, atomic
/// replacement, optional passphrase protection (Argon2id + ChaCha20-Poly1305). See <see cref="KeystoreFile"/>
/// for the byte layout.
/// </summary>
/// <remarks>On Windows the file inherits the ACL of the (per-user) data directory; no mode check is done there.</remarks>
public static class Keystore
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = OwnerOnlyFile | UnixFileMode.UserExecute;
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public static string GetPath(string directory, KeystoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        return Path.Combine(directory, (options ?? KeystoreOptions.Default).FileName);
    }

    public static bool Exists(string directory, KeystoreOptions? options = null) => File.Exists(GetPath(directory, options));

    /// <summary>Loads the identity, creating (and saving) a new one on first use.</summary>
    public static UserIdentity LoadOrCreate(string directory, string? passphrase = null, KeystoreOptions? options = null)
    {
        if (Exists(directory, options))
        {
            return Load(directory, passphrase, options);
        }
        try
        {
            return Create(directory, passphrase, overwrite: false, options);
        }
        catch (KeystoreException) when (Exists(directory, options))
        {
            // Another process created it between our check and our write: use theirs.
            return Load(directory, passphrase, options);
        }
    }

    /// <summary>Generates a new identity and saves it.</summary>
    /// <exception cref="KeystoreException">The file exists and <paramref name="overwrite"/> is false.</exception>
    public static UserIdentity Create(string directory, string? passphrase = null, bool overwrite = false, KeystoreOptions? options = null)
    {
        var identity = UserIdentity.Generate();
        try
        {
            Save(identity, directory, passphrase, overwrite, options);
            return identity;
        }
        catch
        {
            identity.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="identity"/> atomically (temporary file, flush to disk, rename).
    /// Also the way to add, change or remove a passphrase.</summary>
    public static void Save(UserIdentity identity, string directory, string? passphrase = null, bool overwrite = false, KeystoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        options ??= KeystoreOptions.Default;
        string path = GetPath(directory, options);
        if (passphrase is { Length: 0 })
        {
            throw new ArgumentException("An empty passphrase protects nothing; pass null for an unprotected file.", nameof(passphrase));
        }
        if (passphrase is not null
            && (options.Argon2MemoryKiB < 8 || options.Argon2MemoryKiB > options.MaxArgon2MemoryKiB
                || options.Argon2Passes < 1 || options.Argon2Passes > options.MaxArgon2Passes))
        {
            // A file written outside the accepted range could never be loaded again with these options.
            throw new ArgumentException(
                $"Argon2id cost memory={options.Argon2MemoryKiB} KiB, passes={options.Argon2Passes} is outside " +
                $"8..{options.MaxArgon2MemoryKiB} KiB, 1..{options.MaxArgon2Passes} passes.", nameof(options));
        }
        if (!overwrite && File.Exists(path))
        {
            throw new KeystoreException($"An identity already exists at '{path}'; refusing to replace it.");
        }

        CreateDirectory(directory);
        byte[] content = KeystoreFile.Encode(identity, passphrase, options);
        string temp = Path.Combine(directory, $".{options.FileName}.{Guid.NewGuid():N}.tmp");
        try
        {
            var streamOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                streamOptions.UnixCreateMode = OwnerOnlyFile;
            }
            using (var stream = new FileStream(temp, streamOptions))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            try
            {
                File.Move(temp, path, overwrite);
            }
            catch (IOException ex) when (!overwrite && File.Exists(path))
            {
                throw new KeystoreException($"An identity already exists at '{path}'; refusing to replace it.", ex);
            }
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(content);
            File.Delete(temp);
        }
    }

    /// <exception cref="KeystorePermissionsException">Group or others have any access to the file (Unix).</exception>
    /// <exception cref="WrongPassphraseException">Wrong or missing passphrase.</exception>
    /// <exception cref="KeystoreException">Missing, damaged or unknown-version file.</exception>
    public static UserIdentity Load(string directory, string? passphrase = null, KeystoreOptions? options = null)
    {
        options ??= KeystoreOptions.Default;
        string path = GetPath(directory, options);
        if (!File.Exists(path))
        {
            throw new KeystoreException($"No identity file at '{path}'.");
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (!OperatingSystem.IsWindows())
        {
            // Checked on the open handle, so the file judged is the file read.
            var mode = File.GetUnixFileMode(stream.SafeFileHandle);
            if ((mode & GroupOrOther) != 0)
            {
                throw new KeystorePermissionsException(
                    $"The identity file '{path}' is accessible to other users (mode {Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0')}); " +
                    $"DataMesh refuses to use it. Fix with: chmod 600 '{path}'");
            }
        }
        if (stream.Length > KeystoreFile.MaxLength)
        {
            throw new KeystoreException($"'{path}' is {stream.Length} bytes, too large to be a DataMesh identity file.");
        }
        var content = new byte[stream.Length];
        try
        {
            stream.ReadExactly(content);
            return KeystoreFile.Decode(content, passphrase, options, path);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(content);
        }
    }

    private static void CreateDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, OwnerOnlyDirectory);
        }
    }
}
