using System.Buffers;
using DataMesh.Libp2p.Protobuf;

namespace DataMesh.Libp2p.Identity;

/// <summary>The libp2p PublicKey / PrivateKey protobuf messages: { required KeyType Type = 1; required bytes Data = 2; }.</summary>
internal static class KeyProtobuf
{
    /// <summary>Largest key message accepted; generous for RSA-4096 (~550 bytes public, ~2.4 KB private).</summary>
    public const int MaxEncodedLength = 8192;

    /// <summary>Deterministic encoding: both fields, in tag order, minimal varints.</summary>
    public static byte[] Encode(KeyType type, ReadOnlySpan<byte> data)
    {
        var writer = new ArrayBufferWriter<byte>(data.Length + 8);
        ProtoWriter.WriteVarint(writer, 1, (ulong)type);
        ProtoWriter.WriteBytes(writer, 2, data);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes leniently (any field order, unknown fields skipped) but requires both fields.</summary>
    /// <exception cref="InvalidKeyException"></exception>
    public static KeyType Decode(ReadOnlySpan<byte> message, string what, out ReadOnlySpan<byte> data)
    {
        if (message.Length > MaxEncodedLength)
        {
            throw new InvalidKeyException($"{what} of {message.Length} bytes exceeds the {MaxEncodedLength}-byte limit.");
        }
        ulong? type = null;
        data = ReadOnlySpan<byte>.Empty;
        var hasData = false;
        try
        {
            var reader = new ProtoReader(message);
            while (reader.TryReadTag(out var field, out var wire))
            {
                switch (field)
                {
                    case 1 when wire == WireType.Varint:
                        type = reader.ReadVarint();
                        break;
                    case 2 when wire == WireType.LengthDelimited:
                        data = reader.ReadLengthDelimited();
                        hasData = true;
                        break;
                    default:
                        reader.Skip(wire);
                        break;
                }
            }
        }
        catch (ProtobufFormatException ex)
        {
            throw new InvalidKeyException($"Malformed {what}: {ex.Message}", ex);
        }
        if (type is null || !hasData)
        {
            throw new InvalidKeyException($"Malformed {what}: the Type and Data fields are both required.");
        }
        if (type > (ulong)KeyType.Ecdsa)
        {
            throw new InvalidKeyException($"Malformed {what}: unknown key type {type}.");
        }
        return (KeyType)type.Value;
    }
}
