using System.Buffers;
using DataMesh.Libp2p.Identity;
using NSec.Cryptography;
using PublicKey = DataMesh.Libp2p.Identity.PublicKey;

namespace DataMesh.Libp2p.Noise;

/// <summary>Signs data with a libp2p identity key.</summary>
internal delegate byte[] IdentitySigner(ReadOnlySpan<byte> data);

/// <summary>
/// The libp2p Noise handshake as a pure state machine (no I/O): Noise_XX_25519_ChaChaPoly_SHA256 with an empty
/// prologue. Message 1 carries no payload; the responder's identity payload travels in message 2 and the
/// initiator's in message 3, each proving that the identity key signed the sender's Noise static key. Messages are
/// exchanged without the 2-byte length prefix, which is the transport framing's business.
/// </summary>
internal sealed class NoiseHandshake : IDisposable
{
    /// <summary>Largest Noise message (spec limit).</summary>
    public const int MaxMessageLength = 65535;

    /// <summary>Room left for our payload in the largest message (message 2: e, encrypted s, payload tag).</summary>
    private const int MaxPayloadLength = MaxMessageLength - NoiseXxHandshakeState.DhLength
        - NoiseXxHandshakeState.EncryptedStaticLength - NoiseCipherState.TagSize;

    private readonly NoiseXxHandshakeState _state;
    private readonly Key _static;
    private readonly byte[] _localIdentityKey;
    private readonly IdentitySigner _sign;
    private readonly NoiseExtensions? _localExtensions;
    private PublicKey? _remoteIdentity;
    private NoiseExtensions? _remoteExtensions;
    private NoiseHandshakeResult? _result;
    private bool _failed;

    /// <param name="isInitiator">True on the dialing side.</param>
    /// <param name="identity">Our identity key, which signs a fresh Noise static key.</param>
    public NoiseHandshake(bool isInitiator, Identity.Identity identity)
        : this(isInitiator, identity, null)
    {
    }

    /// <param name="isInitiator">True on the dialing side.</param>
    /// <param name="identity">Our identity key, which signs a fresh Noise static key.</param>
    /// <param name="extensions">Noise extensions to announce (e.g. stream muxers), or null.</param>
    public NoiseHandshake(bool isInitiator, Identity.Identity identity, NoiseExtensions? extensions)
        : this(isInitiator, Check(identity).PublicKey, identity.Sign, extensions)
    {
    }

    internal NoiseHandshake(bool isInitiator, PublicKey identityKey, IdentitySigner sign, NoiseExtensions? extensions)
    {
        _localIdentityKey = identityKey.ToProtobuf();
        _sign = sign;
        _localExtensions = extensions;
        // A fresh static key per handshake: the identity signature is what binds it to us.
        _static = Key.Create(KeyAgreementAlgorithm.X25519);
        _state = new NoiseXxHandshakeState(isInitiator, [], _static, static () => Key.Create(KeyAgreementAlgorithm.X25519));
    }

    public bool IsInitiator => _state.IsInitiator;

    /// <summary>True when the next step is <see cref="WriteMessage"/>; false when it is <see cref="ReadMessage"/>.</summary>
    public bool IsMyTurnToWrite => !IsCompleted && (_state.MessageCount % 2 == 0) == IsInitiator;

    public bool IsCompleted => _state.IsCompleted;

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
            var payload = _state.MessageCount == 0 ? [] : BuildPayload();
            if (payload.Length > MaxPayloadLength)
            {
                throw new InvalidOperationException($"The handshake payload ({payload.Length} bytes) does not fit a Noise message; announce fewer extensions.");
            }
            var length = _state.WriteMessage(payload, buffer);
            output.Write(buffer.AsSpan(0, length));
            CompleteIfDone();
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
        var buffer = ArrayPool<byte>.Shared.Rent(MaxMessageLength);
        try
        {
            if (message.Length > MaxMessageLength)
            {
                throw new NoiseHandshakeException($"Noise handshake message of {message.Length} bytes exceeds {MaxMessageLength}.");
            }
            var isFirst = _state.MessageCount == 0;
            var payloadLength = _state.ReadMessage(message, buffer);
            // Message 1 has no libp2p payload; anything there was hashed (keeping transcripts equal) and is ignored.
            if (!isFirst)
            {
                AcceptPayload(buffer.AsSpan(0, payloadLength));
            }
            CompleteIfDone();
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
            throw new InvalidOperationException(_failed ? "The handshake failed." : "The handshake is not complete (or its result was already taken).");
        }
        var result = _result;
        _result = null;
        return result;
    }

    public void Dispose()
    {
        _state.Dispose();
        _static.Dispose();
        _result?.Dispose();
    }

    private byte[] BuildPayload()
    {
        var writer = new ArrayBufferWriter<byte>(256);
        NoiseHandshakePayload.Write(writer, _localIdentityKey, _sign(SignedData(_state.LocalStaticPublicKey)), _localExtensions);
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
        if (!identityKey.Verify(SignedData(_state.RemoteStaticPublicKey!), signature))
        {
            throw new NoiseHandshakeException(
                $"The remote's identity signature over its Noise static key is invalid (claimed peer {PeerId.FromPublicKey(identityKey)}).");
        }
        _remoteIdentity = identityKey;
        _remoteExtensions = extensions;
    }

    /// <summary>"noise-libp2p-static-key:" followed by the Noise static public key.</summary>
    private static byte[] SignedData(ReadOnlySpan<byte> staticPublicKey)
    {
        var prefix = NoiseHandshakePayload.SignaturePrefix;
        var data = new byte[prefix.Length + staticPublicKey.Length];
        prefix.CopyTo(data);
        staticPublicKey.CopyTo(data.AsSpan(prefix.Length));
        return data;
    }

    private void CompleteIfDone()
    {
        if (!_state.IsCompleted)
        {
            return;
        }
        var (initiatorToResponder, responderToInitiator) = _state.Split();
        var (sender, receiver) = IsInitiator
            ? (initiatorToResponder, responderToInitiator)
            : (responderToInitiator, initiatorToResponder);
        _result = new NoiseHandshakeResult(sender, receiver, _remoteIdentity!, _remoteExtensions, _state.HandshakeHash.ToArray());
    }

    private void EnsureTurn(bool write)
    {
        if (_failed)
        {
            throw new InvalidOperationException("The handshake has failed and cannot continue.");
        }
        if (IsCompleted || IsMyTurnToWrite != write)
        {
            throw new InvalidOperationException(write
                ? "It is not this side's turn to write a handshake message."
                : "It is not this side's turn to read a handshake message.");
        }
    }

    private static Identity.Identity Check(Identity.Identity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return identity;
    }
}
