using System.Buffers;
using DataMesh.Libp2p.Protobuf;

namespace DataMesh.Libp2p.Noise;

/// <summary>
/// The libp2p NoiseHandshakePayload protobuf: identity_key = 1 (PublicKey protobuf), identity_sig = 2,
/// extensions = 4 (NoiseExtensions: webtransport_certhashes = 1, stream_muxers = 2). Unknown fields are skipped.
/// </summary>
internal static class NoiseHandshakePayload
{
    /// <summary>Prefix of the data signed by the identity key, followed by the Noise static public key.</summary>
    public static ReadOnlySpan<byte> SignaturePrefix => "noise-libp2p-static-key:"u8;

    private const int MaxExtensionEntries = 32;

    public static void Write(IBufferWriter<byte> writer, ReadOnlySpan<byte> identityKey, ReadOnlySpan<byte> signature, NoiseExtensions? extensions)
    {
        ProtoWriter.WriteBytes(writer, 1, identityKey);
        ProtoWriter.WriteBytes(writer, 2, signature);
        if (extensions is not null && (extensions.StreamMuxers.Count > 0 || extensions.WebTransportCertHashes.Count > 0))
        {
            ProtoWriter.WriteMessage(writer, 4, extensions, static (w, ext) =>
            {
                foreach (var hash in ext.WebTransportCertHashes)
                {
                    ProtoWriter.WriteBytes(w, 1, hash.Span);
                }
                foreach (var muxer in ext.StreamMuxers)
                {
                    ProtoWriter.WriteString(w, 2, muxer);
                }
            });
        }
    }

    /// <exception cref="NoiseHandshakeException">Malformed payload or missing identity fields.</exception>
    public static (byte[] IdentityKey, byte[] Signature, NoiseExtensions? Extensions) Read(ReadOnlySpan<byte> payload)
    {
        byte[]? identityKey = null;
        byte[]? signature = null;
        NoiseExtensions? extensions = null;
        try
        {
            var reader = new ProtoReader(payload);
            while (reader.TryReadTag(out var field, out var type))
            {
                switch (field)
                {
                    case 1 when type == WireType.LengthDelimited:
                        identityKey = reader.ReadLengthDelimited().ToArray();
                        break;
                    case 2 when type == WireType.LengthDelimited:
                        signature = reader.ReadLengthDelimited().ToArray();
                        break;
                    case 4 when type == WireType.LengthDelimited:
                        extensions = ReadExtensions(reader.ReadLengthDelimited());
                        break;
                    default:
                        reader.Skip(type);
                        break;
                }
            }
        }
        catch (ProtobufFormatException ex)
        {
            throw new NoiseHandshakeException($"Malformed Noise handshake payload: {ex.Message}", ex);
        }
        if (identityKey is null || signature is null)
        {
            throw new NoiseHandshakeException("Noise handshake payload lacks the identity key or its signature.");
        }
        return (identityKey, signature, extensions);
    }

    private static NoiseExtensions ReadExtensions(ReadOnlySpan<byte> message)
    {
        var muxers = new List<string>();
        var hashes = new List<ReadOnlyMemory<byte>>();
        var reader = new ProtoReader(message);
        while (reader.TryReadTag(out var field, out var type))
        {
            if (muxers.Count + hashes.Count >= MaxExtensionEntries)
            {
                throw new NoiseHandshakeException($"Noise extensions carry more than {MaxExtensionEntries} entries.");
            }
            switch (field)
            {
                case 1 when type == WireType.LengthDelimited:
                    hashes.Add(reader.ReadLengthDelimited().ToArray());
                    break;
                case 2 when type == WireType.LengthDelimited:
                    muxers.Add(reader.ReadString());
                    break;
                default:
                    reader.Skip(type);
                    break;
            }
        }
        return new NoiseExtensions(muxers, hashes);
    }
}
