using DataMesh.Storage.Keys;

namespace DataMesh.Core.Node;

/// <summary>A user identity just created: its public string (what senders pass as a recipient) and where its keystore is.</summary>
public sealed record CreatedIdentity(string PublicIdentity, string Fingerprint, string KeystorePath, bool PassphraseProtected);

/// <summary>The user identity file of a data directory, in text form for the cmdlets (New-DataMeshIdentity). A node
/// creates one on first start; this creates it ahead of time, e.g. protected by a passphrase.</summary>
public static class UserIdentityFile
{
    /// <summary>The keystore path inside <paramref name="dataDirectory"/>.</summary>
    public static string PathFor(string dataDirectory) => Keystore.GetPath(Path.GetFullPath(dataDirectory));

    public static bool Exists(string dataDirectory) => Keystore.Exists(Path.GetFullPath(dataDirectory));

    /// <summary>Generates a new identity and saves it (atomically, owner-only permissions) in <paramref name="dataDirectory"/>.</summary>
    /// <param name="passphrase">Encrypts the private keys when given; null stores them unencrypted.</param>
    /// <exception cref="NodeRequestException">The keystore exists and <paramref name="overwrite"/> is false, or it could
    /// not be written (kind Storage).</exception>
    public static CreatedIdentity Create(string dataDirectory, string? passphrase, bool overwrite)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        string directory = Path.GetFullPath(dataDirectory);
        try
        {
            Directory.CreateDirectory(directory);
            using UserIdentity identity = Keystore.Create(directory, passphrase, overwrite);
            return new CreatedIdentity(identity.PublicIdentity.Export(), identity.PublicIdentity.Fingerprint, Keystore.GetPath(directory), passphrase is not null);
        }
        catch (KeystoreException error)
        {
            throw new NodeRequestException(NodeErrorKind.Storage, error.Message, error);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new NodeRequestException(NodeErrorKind.Storage, $"The keystore in '{directory}' could not be written: {error.Message}", error);
        }
    }
}
