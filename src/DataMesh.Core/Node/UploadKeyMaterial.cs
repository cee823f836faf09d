using System.Security.Cryptography;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Keys;

namespace DataMesh.Core.Node;

/// <summary>
/// The file key and file id of one upload, and their form in the upload's resume journal: the key wrapped to the
/// owner's own identity (the sealed box a manifest uses for recipients), so the journal alone reveals nothing and a
/// rerun by the same user seals bit-identical shards. Token: <c>v1.&lt;file id&gt;.&lt;recipient id&gt;.&lt;ephemeral key&gt;.&lt;sealed key&gt;</c>, hex.
/// </summary>
internal sealed class UploadKeyMaterial : IDisposable
{
    private const string Version = "v1";

    private UploadKeyMaterial(FileKey key, FileId id)
    {
        Key = key;
        Id = id;
    }

    public FileKey Key { get; }

    public FileId Id { get; }

    public static UploadKeyMaterial Generate() => new(FileKey.Generate(), FileId.Generate());

    /// <summary>The journal token for this key, wrapped to <paramref name="owner"/>.</summary>
    public string ToToken(PublicIdentity owner)
    {
        WrappedKey wrapped = KeyWrap.Wrap(Key, owner);
        return string.Join('.', Version, Id.ToString(), Convert.ToHexStringLower(wrapped.RecipientId),
            Convert.ToHexStringLower(wrapped.EphemeralPublicKey), Convert.ToHexStringLower(wrapped.Ciphertext));
    }

    /// <summary>Recovers the key from a journal token; null when the token is malformed or does not open with
    /// <paramref name="owner"/>'s key (another identity's journal, or damage the line checksum missed).</summary>
    public static UploadKeyMaterial? TryOpen(string token, UserIdentity owner)
    {
        string[] parts = token.Split('.');
        if (parts.Length != 5 || parts[0] != Version)
        {
            return null;
        }
        try
        {
            FileId id = FileId.FromBytes(Convert.FromHexString(parts[1]));
            var wrapped = new WrappedKey(Convert.FromHexString(parts[2]), Convert.FromHexString(parts[3]), Convert.FromHexString(parts[4]));
            if (!wrapped.IsFor(owner.PublicIdentity))
            {
                return null;
            }
            return new UploadKeyMaterial(KeyWrap.Unwrap(wrapped, owner), id);
        }
        catch (Exception error) when (error is FormatException or ArgumentException or CryptographicException or WrongKeyException)
        {
            return null;
        }
    }

    public void Dispose() => Key.Dispose();
}
