using System.Security.Cryptography;
using NSec.Cryptography;
using NSecPublicKey = NSec.Cryptography.PublicKey;

namespace DataMesh.Libp2p.Noise;

/// <summary>
/// The Noise HandshakeState (Noise spec §5.3) for the XX pattern over 25519/ChaChaPoly/SHA256, with opaque payloads:
/// → e; ← e, ee, s, es; → s, se. Knows nothing of libp2p; <see cref="NoiseHandshake"/> adds the identity payloads.
/// Keys can be injected so the implementation is checked against the Noise test vectors.
/// </summary>
internal sealed class NoiseXxHandshakeState : IDisposable
{
    public const int DhLength = 32;
    public const int EncryptedStaticLength = DhLength + NoiseCipherState.TagSize;

    private static readonly KeyAgreementAlgorithm X25519 = KeyAgreementAlgorithm.X25519;

    private readonly NoiseSymmetricState _symmetric;
    private readonly Key _static;
    private readonly Func<Key> _createEphemeral;
    private Key? _ephemeral;
    private NSecPublicKey? _remoteEphemeral;
    private byte[]? _remoteStatic;
    private int _message;

    public NoiseXxHandshakeState(bool isInitiator, ReadOnlySpan<byte> prologue, Key staticKey, Func<Key> createEphemeral)
    {
        IsInitiator = isInitiator;
        _symmetric = new NoiseSymmetricState(prologue);
        _static = staticKey;
        _createEphemeral = createEphemeral;
        LocalStaticPublicKey = staticKey.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    public bool IsInitiator { get; }

    /// <summary>Number of handshake messages written or read so far (0 to 3).</summary>
    public int MessageCount => _message;

    public bool IsCompleted => _message == 3;

    public byte[] LocalStaticPublicKey { get; }

    /// <summary>The remote static key, once received (message 2 for the initiator, message 3 for the responder).</summary>
    public byte[]? RemoteStaticPublicKey => _remoteStatic;

    public ReadOnlySpan<byte> HandshakeHash => _symmetric.HandshakeHash;

    /// <summary>Writes the next message with <paramref name="payload"/>; returns its length.</summary>
    public int WriteMessage(ReadOnlySpan<byte> payload, Span<byte> output)
    {
        var length = 0;
        switch (_message)
        {
            case 0: // -> e
                length += WriteEphemeral(output);
                break;
            case 1: // <- e, ee, s, es
                length += WriteEphemeral(output);
                MixDh(_ephemeral!, _remoteEphemeral!);
                length += _symmetric.EncryptAndHash(LocalStaticPublicKey, output[length..]);
                MixDh(_static, _remoteEphemeral!);
                break;
            default: // -> s, se
                length += _symmetric.EncryptAndHash(LocalStaticPublicKey, output);
                MixDh(_static, _remoteEphemeral!);
                break;
        }
        length += _symmetric.EncryptAndHash(payload, output[length..]);
        _message++;
        return length;
    }

    /// <summary>Reads the peer's next message, writing its payload to <paramref name="payload"/>; returns the payload length.</summary>
    /// <exception cref="NoiseHandshakeException">Too short, bad key, or failed authentication.</exception>
    public int ReadMessage(ReadOnlySpan<byte> message, Span<byte> payload)
    {
        var offset = 0;
        switch (_message)
        {
            case 0: // -> e
                RequireLength(message, DhLength);
                offset += ReadEphemeral(message);
                break;
            case 1: // <- e, ee, s, es
                RequireLength(message, DhLength + EncryptedStaticLength + NoiseCipherState.TagSize);
                offset += ReadEphemeral(message);
                MixDh(_ephemeral!, _remoteEphemeral!);
                offset += ReadStatic(message[offset..]);
                MixDh(_ephemeral!, ImportKey(_remoteStatic!, "static"));
                break;
            default: // -> s, se
                RequireLength(message, EncryptedStaticLength + NoiseCipherState.TagSize);
                offset += ReadStatic(message);
                MixDh(_ephemeral!, ImportKey(_remoteStatic!, "static"));
                break;
        }
        var length = _symmetric.DecryptAndHash(message[offset..], payload);
        _message++;
        return length;
    }

    /// <summary>After the last message: (initiator→responder, responder→initiator) cipher states.</summary>
    public (NoiseCipherState InitiatorToResponder, NoiseCipherState ResponderToInitiator) Split()
    {
        if (!IsCompleted)
        {
            throw new InvalidOperationException("The handshake is not complete.");
        }
        _ephemeral?.Dispose();
        _ephemeral = null;
        return _symmetric.Split();
    }

    public void Dispose()
    {
        _symmetric.Dispose();
        _ephemeral?.Dispose();
    }

    private int WriteEphemeral(Span<byte> output)
    {
        _ephemeral = _createEphemeral();
        var publicKey = output[..DhLength];
        if (!_ephemeral.PublicKey.TryExport(KeyBlobFormat.RawPublicKey, publicKey, out var written) || written != DhLength)
        {
            throw new InvalidOperationException("Could not export the ephemeral X25519 public key.");
        }
        _symmetric.MixHash(publicKey);
        return DhLength;
    }

    private int ReadEphemeral(ReadOnlySpan<byte> message)
    {
        _remoteEphemeral = ImportKey(message[..DhLength], "ephemeral");
        _symmetric.MixHash(message[..DhLength]);
        return DhLength;
    }

    private int ReadStatic(ReadOnlySpan<byte> message)
    {
        var remoteStatic = new byte[DhLength];
        _symmetric.DecryptAndHash(message[..EncryptedStaticLength], remoteStatic);
        _remoteStatic = remoteStatic;
        return EncryptedStaticLength;
    }

    /// <summary>MixKey(DH(privateKey, publicKey)), wiping the shared secret afterwards.</summary>
    private void MixDh(Key privateKey, NSecPublicKey publicKey)
    {
        using var secret = X25519.Agree(privateKey, publicKey, new SharedSecretCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport })
            ?? throw new NoiseHandshakeException("X25519 produced an all-zero shared secret (the remote sent a low-order key).");
        var raw = secret.Export(SharedSecretBlobFormat.RawSharedSecret);
        try
        {
            _symmetric.MixKey(raw);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }

    private static NSecPublicKey ImportKey(ReadOnlySpan<byte> raw, string what)
    {
        if (!NSecPublicKey.TryImport(X25519, raw, KeyBlobFormat.RawPublicKey, out var key) || key is null)
        {
            throw new NoiseHandshakeException($"The remote's {what} X25519 key is invalid.");
        }
        return key;
    }

    private void RequireLength(ReadOnlySpan<byte> message, int minimum)
    {
        if (message.Length < minimum)
        {
            throw new NoiseHandshakeException($"Noise handshake message {_message + 1} is {message.Length} bytes; at least {minimum} are required.");
        }
    }
}
