using NSec.Cryptography;

namespace DataMesh.Libp2p.Identity;

/// <summary>An Ed25519 public key (32 raw bytes); signatures are plain RFC 8032 Ed25519.</summary>
internal sealed class Ed25519PublicKey : PublicKey
{
    public const int KeySize = 32;
    public const int SignatureSize = 64;

    private readonly byte[] _raw;
    private readonly NSec.Cryptography.PublicKey _key;

    /// <exception cref="InvalidKeyException">Not 32 bytes, or rejected by the Ed25519 implementation.</exception>
    public Ed25519PublicKey(ReadOnlySpan<byte> raw)
    {
        if (raw.Length != KeySize)
        {
            throw new InvalidKeyException($"An Ed25519 public key is {KeySize} bytes, not {raw.Length}.");
        }
        _raw = raw.ToArray();
        if (!NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, _raw, KeyBlobFormat.RawPublicKey, out var key) || key is null)
        {
            throw new InvalidKeyException("Invalid Ed25519 public key.");
        }
        _key = key;
    }

    public override KeyType Type => KeyType.Ed25519;

    public override ReadOnlyMemory<byte> Raw => _raw;

    public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        signature.Length == SignatureSize && SignatureAlgorithm.Ed25519.Verify(_key, data, signature);
}
