using System.Security.Cryptography;
using NSec.Cryptography;

namespace DataMesh.Libp2p.Identity;

/// <summary>This node's identity: an Ed25519 key pair, its public key and peer id.</summary>
public sealed class Identity : IDisposable
{
    private const int SeedSize = 32;

    private readonly Key _key;
    private bool _disposed;

    private Identity(Key key)
    {
        _key = key;
        PublicKey = new Ed25519PublicKey(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
        PeerId = PeerId.FromPublicKey(PublicKey);
    }

    public PublicKey PublicKey { get; }

    public PeerId PeerId { get; }

    public static Identity Generate() =>
        new(Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>Signs <paramref name="data"/> with Ed25519 (64-byte signature).</summary>
    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return SignatureAlgorithm.Ed25519.Sign(_key, data);
    }

    /// <summary>The libp2p PrivateKey protobuf (Ed25519 data: 32-byte seed followed by the 32-byte public key).
    /// Secret material: the caller must protect and wipe it.</summary>
    public byte[] ExportPrivateKeyProtobuf()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var data = new byte[SeedSize + Ed25519PublicKey.KeySize];
        try
        {
            if (!_key.TryExport(KeyBlobFormat.RawPrivateKey, data, out var written) || written != SeedSize)
            {
                throw new InvalidOperationException("The Ed25519 seed could not be exported.");
            }
            PublicKey.Raw.Span.CopyTo(data.AsSpan(SeedSize));
            return KeyProtobuf.Encode(KeyType.Ed25519, data);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }

    /// <summary>Loads a libp2p PrivateKey protobuf. Ed25519 data may be the 64-byte seed||public form, the legacy
    /// 96-byte seed||public||public form, or a bare 32-byte seed; embedded public keys must match the seed.</summary>
    /// <exception cref="UnsupportedKeyTypeException">Not an Ed25519 key.</exception>
    /// <exception cref="InvalidKeyException">Malformed message or inconsistent key bytes.</exception>
    public static Identity FromPrivateKeyProtobuf(ReadOnlySpan<byte> protobuf)
    {
        var type = KeyProtobuf.Decode(protobuf, "private key", out var data);
        if (type != KeyType.Ed25519)
        {
            throw new UnsupportedKeyTypeException($"{type} private keys are not supported for the node identity; use an Ed25519 key.");
        }
        if (data.Length is not (SeedSize or 64 or 96))
        {
            throw new InvalidKeyException($"An Ed25519 private key is 32, 64 or 96 bytes, not {data.Length}.");
        }
        var key = Key.Import(SignatureAlgorithm.Ed25519, data[..SeedSize], KeyBlobFormat.RawPrivateKey,
            new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        var identity = new Identity(key);
        var derived = identity.PublicKey.Raw.Span;
        for (var offset = SeedSize; offset < data.Length; offset += Ed25519PublicKey.KeySize)
        {
            if (!data.Slice(offset, Ed25519PublicKey.KeySize).SequenceEqual(derived))
            {
                identity.Dispose();
                throw new InvalidKeyException("Invalid Ed25519 private key: the embedded public key does not match the private key.");
            }
        }
        return identity;
    }

    public void Dispose()
    {
        _disposed = true;
        _key.Dispose();
    }
}
