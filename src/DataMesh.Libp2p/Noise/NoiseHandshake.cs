using System.Buffers;
using System.Security.Cryptography;
using DataMesh.Libp2p.Identity;
using NSec.Cryptography;
using NSecPublicKey = NSec.Cryptography.PublicKey;
using PublicKey = DataMesh.Libp2p.Identity.PublicKey;

namespace DataMesh.Libp2p.Noise;

/// <summary>Signs data with a libp2p identity key.</summary>
internal delegate byte[] IdentitySigner(ReadOnlySpan<byte> data);

/// <summary>
/// The libp2p Noise handshake as a pure state machine (no I/O): Noise_XX_25519_ChaChaPoly_SHA256 with an empty
/// prologue. XX: → e; ← e, ee, s, es; → s, se. The responder's identity payload travels in message 2, the
/// initiator's in message 3; message 1 carries no payload. Messages are exchanged without the 2-byte length prefix,
/// which is the transport framing's business.
/// </summary>
public sealed class NoiseHandshake : IDisposable
{
    /// <summary>Largest Noise message (spec limit).</summary>
    public const int MaxMessageLength = 65535;

    private const int DhLength = 32;
    private const int EncryptedStaticLength = DhLength + NoiseCipherState.TagSize;
    private static readonly KeyAgreementAlgorithm X25519 = KeyAgreementAlgorithm.X25519;

    private readonly NoiseSymmetricState _symmetric = new();
    private readonly Key _static;
    private readonly byte[] _staticPublic;
    private readonly byte[] _localIdentityKey;
    private readonly IdentitySigner _sign;
    private readonly NoiseExtensions? _localExtensions;
    private Key? _ephemeral;
    private NSecPublicKey? _remoteEphemeral;
    private NSecPublicKey? _remoteStatic;
    private PublicKey? _remoteIdentity;
    private NoiseExtensions? _remoteExtensions;
    private NoiseHandshakeResult? _result;
    private int _step;
    private bool _failed;

    public NoiseHandshake(bool isInitiator, Identity.Identity identity, NoiseExtensions? extensions = null)
        : this(isInitiator, Check(identity).PublicKey, identity.Sign, extensions)
    {
    }

    internal NoiseHandshake(bool isInitiator, PublicKey identityKey, IdentitySigner sign, NoiseExtensions? extensions)
    {
        IsInitiator = isInitiator;
        _localIdentityKey = identityKey.ToProtobuf();
        _sign = sign;
        _localExtensions = extensions;
        _static = Key.Create(X25519);
        _staticPublic = _static.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    public bool IsInitiator { get; }

    /// <summary>True when the next step is <see cref="WriteMessage"/>; false when it is <see cref="ReadMessage"/>.</summary>
    public bool IsMyTurnToWrite => !IsCompleted && (_step % 2 == 0) == IsInitiator;

    public bool IsCompleted => _step == 3;

    /// <summary>The remote identity, known after the message carrying its payload (2 for the initiator, 3 for the
    /// responder). Lets a dialer check the expected peer before revealing its own identity in message 3.</summary>
    public PeerId? RemotePeer => _remoteIdentity is null ? null : PeerId.FromPublicKey(_remoteIdentity);

    /// <summary>Writes the next handshake message (without length prefix) to <paramref name="output"/>.</summary>
    public void WriteMessage(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        EnsureTurn(write: true);
        var buffer = ArrayPool<byte>.Shared.Rent(MaxMessageLength);
        try
        {
            var length = _step switch
            {
                0 => WriteEphemeral(buffer, withIdentity: false),
                1 => WriteEphemeral(buffer, withIdentity: true),
                _ => WriteStaticAndIdentity(buffer, 0),
            };
            output.Write(buffer.AsSpan(0, length));
            Advance();
        }
        catch
        {
            _failed = true;
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    /// <summary>Processes the peer's next handshake message.</summary>
    /// <exception cref="NoiseHandshakeException">Malformed message, failed authentication, bad identity proof.</exception>
    public void ReadMessage(ReadOnlySpan<byte> message)
    {
        EnsureTurn(write: false);
        if (message.Length > MaxMessageLength)
        {
            _failed = true;
            throw new NoiseHandshakeException($"Noise handshake message of {message.Length} bytes exceeds {MaxMessageLength}.");
        }
        var buffer = ArrayPool<byte>.Shared.Rent(MaxMessageLength);
        try
        {
            switch (_step)
            {
                case 0:
                    ReadMessage1(message, buffer);
                    break;
                case 1:
                    ReadMessage2(message, buffer);
                    break;
                default:
                    ReadMessage3(message, buffer);
                    break;
            }
            Advance();
        }
        catch (Exception ex) when (ex is not NoiseHandshakeException)
        {
            _failed = true;
            throw new NoiseHandshakeException($"Noise handshake failed: {ex.Message}", ex);
        }
        catch
        {
            _failed = true;
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    /// <summary>The transport ciphers and remote identity; ownership passes to the caller.</summary>
    public NoiseHandshakeResult GetResult()
    {
        if (_result is null)
        {
            throw new InvalidOperationException(_failed ? "The handshake failed." : "The handshake is not complete.");
        }
        var result = _result;
        _result = null;
        return result;
    }

    public void Dispose()
    {
        _symmetric.Dispose();
        _static.Dispose();
        _ephemeral?.Dispose();
        _result?.Dispose();
    }

    // Message 1 (initiator) and message 2 (responder): e [, ee, s, es, payload].
    private int WriteEphemeral(Span<byte> buffer, bool withIdentity)
    {
        _ephemeral = Key.Create(X25519);
        _ephemeral.PublicKey.Export(KeyBlobFormat.RawPublicKey).CopyTo(buffer);
        _symmetric.MixHash(buffer[..DhLength]);
        var length = DhLength;
        if (!withIdentity)
        {
            // Message 1 has an empty payload, which is still "encrypted" (here: hashed) per the Noise spec.
            return length + _symmetric.EncryptAndHash([], buffer[length..]);
        }
        MixDh(_ephemeral, _remoteEphemeral!);
        length += _symmetric.EncryptAndHash(_staticPublic, buffer[length..]);
        MixDh(_static, _remoteEphemeral!);
        return length + _symmetric.EncryptAndHash(BuildPayload(), buffer[length..]);
    }

    // Message 3 (initiator): s, se, payload.
    private int WriteStaticAndIdentity(Span<byte> buffer, int length)
    {
        length += _symmetric.EncryptAndHash(_staticPublic, buffer[length..]);
        MixDh(_static, _remoteEphemeral!);
        return length + _symmetric.EncryptAndHash(BuildPayload(), buffer[length..]);
    }

    private void ReadMessage1(ReadOnlySpan<byte> message, Span<byte> scratch)
    {
        RequireLength(message, DhLength, 1);
        _remoteEphemeral = ImportKey(message[..DhLength], "ephemeral");
        _symmetric.MixHash(message[..DhLength]);
        // libp2p's first message carries no payload; anything present is hashed (to stay in sync) and ignored.
        _symmetric.DecryptAndHash(message[DhLength..], scratch);
    }

    private void ReadMessage2(ReadOnlySpan<byte> message, Span<byte> scratch)
    {
        RequireLength(message, DhLength + EncryptedStaticLength + NoiseCipherState.TagSize, 2);
        _remoteEphemeral = ImportKey(message[..DhLength], "ephemeral");
        _symmetric.MixHash(message[..DhLength]);
        MixDh(_ephemeral!, _remoteEphemeral);
        var remoteStatic = scratch[..DhLength];
        _symmetric.DecryptAndHash(message.Slice(DhLength, EncryptedStaticLength), remoteStatic);
        _remoteStatic = ImportKey(remoteStatic, "static");
        MixDh(_ephemeral!, _remoteStatic);
        var payloadLength = _symmetric.DecryptAndHash(message[(DhLength + EncryptedStaticLength)..], scratch);
        AcceptPayload(scratch[..payloadLength]);
    }

    private void ReadMessage3(ReadOnlySpan<byte> message, Span<byte> scratch)
    {
        RequireLength(message, EncryptedStaticLength + NoiseCipherState.TagSize, 3);
        var remoteStatic = scratch[..DhLength];
        _symmetric.DecryptAndHash(message[..EncryptedStaticLength], remoteStatic);
        _remoteStatic = ImportKey(remoteStatic, "static");
        MixDh(_ephemeral!, _remoteStatic);
        var payloadLength = _symmetric.DecryptAndHash(message[EncryptedStaticLength..], scratch);
        AcceptPayload(scratch[..payloadLength]);
    }

    private byte[] BuildPayload()
    {
        var signed = new byte[NoiseHandshakePayload.SignaturePrefix.Length + DhLength];
        NoiseHandshakePayload.SignaturePrefix.CopyTo(signed);
        _staticPublic.CopyTo(signed, NoiseHandshakePayload.SignaturePrefix.Length);
        var writer = new ArrayBufferWriter<byte>(256);
        NoiseHandshakePayload.Write(writer, _localIdentityKey, _sign(signed), _localExtensions);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Verifies that the remote identity key signed the remote Noise static key.</summary>
    private void AcceptPayload(ReadOnlySpan<byte> payload)
    {
        var (identityKeyBytes, signature, extensions) = NoiseHandshakePayload.Read(payload);
        PublicKey identityKey;
        try
        {
            identityKey = PublicKey.FromProtobuf(identityKeyBytes);
        }
        catch (Libp2pException ex)
        {
            throw new NoiseHandshakeException($"The remote's identity key is unusable: {ex.Message}", ex);
        }
        var signed = new byte[NoiseHandshakePayload.SignaturePrefix.Length + DhLength];
        NoiseHandshakePayload.SignaturePrefix.CopyTo(signed);
        _remoteStatic!.Export(KeyBlobFormat.RawPublicKey).CopyTo(signed, NoiseHandshakePayload.SignaturePrefix.Length);
        if (!identityKey.Verify(signed, signature))
        {
            throw new NoiseHandshakeException(
                $"The remote's identity signature over its Noise static key is invalid (claimed peer {PeerId.FromPublicKey(identityKey)}).");
        }
        _remoteIdentity = identityKey;
        _remoteExtensions = extensions;
    }

    private void Advance()
    {
        _step++;
        if (_step == 3)
        {
            var (initiatorToResponder, responderToInitiator) = _symmetric.Split();
            var (sender, receiver) = IsInitiator
                ? (initiatorToResponder, responderToInitiator)
                : (responderToInitiator, initiatorToResponder);
            _result = new NoiseHandshakeResult(sender, receiver, _remoteIdentity!, _remoteExtensions, _symmetric.HandshakeHash.ToArray());
            _ephemeral?.Dispose();
            _ephemeral = null;
        }
    }

    private void EnsureTurn(bool write)
    {
        if (_failed)
        {
            throw new InvalidOperationException("The handshake has failed and cannot continue.");
        }
        if (IsCompleted || IsMyTurnToWrite != write)
        {
            throw new InvalidOperationException(write ? "It is not this side's turn to write a handshake message." : "It is not this side's turn to read a handshake message.");
        }
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

    private static void RequireLength(ReadOnlySpan<byte> message, int minimum, int number)
    {
        if (message.Length < minimum)
        {
            throw new NoiseHandshakeException($"Noise handshake message {number} is {message.Length} bytes; at least {minimum} are required.");
        }
    }

    private static Identity.Identity Check(Identity.Identity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return identity;
    }
}
