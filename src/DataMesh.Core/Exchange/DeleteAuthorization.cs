using DataMesh.Storage.Addressing;
using DataMesh.Storage.Keys;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Exchange;

/// <summary>The owner's consent to delete a file: an Ed25519 signature by the manifest owner's signing key over a
/// fixed context and the manifest address. The context keeps the signature from being mistaken for (or reused as)
/// any other DataMesh signature; the address ties it to one manifest, so a captured request can only ever delete
/// the file its owner already chose to delete.</summary>
internal static class DeleteAuthorization
{
    public const int SignatureLength = UserIdentity.SignatureLength;

    private static ReadOnlySpan<byte> Context => "DataMesh delete v1"u8;

    /// <summary>Signs the deletion of <paramref name="address"/> with the owner's identity.</summary>
    public static byte[] Sign(UserIdentity owner, ManifestAddress address)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return owner.Sign(Message(address));
    }

    /// <summary>True when <paramref name="signature"/> is <paramref name="owner"/>'s consent to delete <paramref name="address"/>.</summary>
    public static bool Verify(PublicIdentity owner, ManifestAddress address, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return signature.Length == SignatureLength && owner.Verify(Message(address), signature);
    }

    private static byte[] Message(ManifestAddress address)
    {
        byte[] message = new byte[Context.Length + ContentHash.Size];
        Context.CopyTo(message);
        address.Hash.WriteTo(message.AsSpan(Context.Length));
        return message;
    }
}
