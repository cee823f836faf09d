using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Protobuf;

namespace DataMesh.Libp2p.Kad;

/// <summary>A DataMesh signed record, the value stored under "/dm/&lt;publisher peer id&gt;/&lt;name&gt;": the publisher's
/// public key, a sequence number, the payload and an Ed25519 signature over
/// "datamesh-record:" ‖ varint(key length) ‖ key ‖ seq (8 bytes big-endian) ‖ payload.
/// The domain prefix keeps this signature from ever being valid in another context signed by the same key; the key
/// is signed so a record cannot be replayed under another name. Protobuf fields: 1 public key (libp2p PublicKey
/// protobuf), 2 seq, 3 payload, 4 signature.</summary>
public sealed record SignedRecord(PublicKey PublicKey, ulong Sequence, ReadOnlyMemory<byte> Payload, ReadOnlyMemory<byte> Signature)
{
    public const int MaxPublicKeyBytes = 128;

    private static readonly byte[] Domain = "datamesh-record:"u8.ToArray();

    /// <summary>The record key for a publisher and a name: "/dm/&lt;peer id&gt;/&lt;name&gt;".</summary>
    public static byte[] KeyFor(PeerId publisher, string name)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Encoding.UTF8.GetBytes($"/{SignedRecordValidator.Namespace}/{publisher}/{name}");
    }

    /// <summary>Signs <paramref name="payload"/> as version <paramref name="sequence"/> of record <paramref name="name"/>.</summary>
    public static (byte[] Key, byte[] Value) Create(Identity.Identity publisher, string name, ulong sequence, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        byte[] key = KeyFor(publisher.PeerId, name);
        byte[] signature = publisher.Sign(SignedBytes(key, sequence, payload));
        var record = new SignedRecord(publisher.PublicKey, sequence, payload.ToArray(), signature);
        return (key, record.Encode());
    }

    public byte[] Encode()
    {
        var buffer = new ArrayBufferWriter<byte>(128 + Payload.Length);
        ProtoWriter.WriteBytes(buffer, 1, PublicKey.ToProtobuf());
        ProtoWriter.WriteVarint(buffer, 2, Sequence);
        ProtoWriter.WriteBytes(buffer, 3, Payload.Span);
        ProtoWriter.WriteBytes(buffer, 4, Signature.Span);
        return buffer.WrittenSpan.ToArray();
    }

    /// <exception cref="KadProtocolException">Not a well-formed signed record.</exception>
    public static SignedRecord Decode(ReadOnlySpan<byte> value)
    {
        try
        {
            var reader = new ProtoReader(value);
            PublicKey? publicKey = null;
            ulong sequence = 0;
            byte[] payload = [];
            byte[] signature = [];
            while (reader.TryReadTag(out int field, out WireType wire))
            {
                switch (field)
                {
                    case 1 when wire == WireType.LengthDelimited:
                        ReadOnlySpan<byte> keyBytes = reader.ReadLengthDelimited();
                        if (keyBytes.Length > MaxPublicKeyBytes)
                        {
                            throw new KadProtocolException($"The signed record's public key is {keyBytes.Length} bytes; the limit is {MaxPublicKeyBytes}.");
                        }
                        publicKey = PublicKey.FromProtobuf(keyBytes);
                        break;
                    case 2 when wire == WireType.Varint:
                        sequence = reader.ReadVarint();
                        break;
                    case 3 when wire == WireType.LengthDelimited:
                        payload = reader.ReadLengthDelimited().ToArray();
                        break;
                    case 4 when wire == WireType.LengthDelimited:
                        signature = reader.ReadLengthDelimited().ToArray();
                        break;
                    default:
                        reader.Skip(wire);
                        break;
                }
            }
            if (publicKey is null)
            {
                throw new KadProtocolException("The signed record has no public key.");
            }
            return new SignedRecord(publicKey, sequence, payload, signature);
        }
        catch (Libp2pException error) when (error is not KadProtocolException)
        {
            throw new KadProtocolException("Malformed signed record: " + error.Message, error);
        }
    }

    public bool VerifySignature(ReadOnlySpan<byte> key) => PublicKey.Verify(SignedBytes(key, Sequence, Payload.Span), Signature.Span);

    private static byte[] SignedBytes(ReadOnlySpan<byte> key, ulong sequence, ReadOnlySpan<byte> payload)
    {
        int varintLength = ProtoWriter.GetVarintSize((ulong)key.Length);
        var bytes = new byte[Domain.Length + varintLength + key.Length + 8 + payload.Length];
        Span<byte> span = bytes;
        Domain.CopyTo(span);
        span = span[Domain.Length..];
        var lengthWriter = new ArrayBufferWriter<byte>(varintLength);
        ProtoWriter.WriteRawVarint(lengthWriter, (ulong)key.Length);
        lengthWriter.WrittenSpan.CopyTo(span);
        span = span[varintLength..];
        key.CopyTo(span);
        span = span[key.Length..];
        BinaryPrimitives.WriteUInt64BigEndian(span, sequence);
        payload.CopyTo(span[8..]);
        return bytes;
    }
}

/// <summary>Validator of the "dm" namespace: the key names the publisher's peer id, the value is a
/// <see cref="SignedRecord"/> whose Ed25519 key hashes to that peer id and whose signature covers key, seq and
/// payload, so only the owner of a peer id can publish under it. The highest sequence number wins.</summary>
public sealed class SignedRecordValidator : IRecordValidator
{
    public const string Namespace = "dm";

    public static SignedRecordValidator Instance { get; } = new();

    public void Validate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        string keyText = RecordValidatorRegistry.KeyText(key);
        PeerId owner = ParseOwner(key, keyText);
        SignedRecord record;
        try
        {
            record = SignedRecord.Decode(value);
        }
        catch (KadProtocolException error)
        {
            throw new RecordRejectedException(keyText, error.Message);
        }
        if (record.PublicKey.Type != KeyType.Ed25519)
        {
            throw new RecordRejectedException(keyText, $"the signing key is {record.PublicKey.Type}; \"{Namespace}\" records are signed with Ed25519");
        }
        if (!owner.Matches(record.PublicKey))
        {
            throw new RecordRejectedException(keyText, "the signing key does not belong to the peer id named in the key");
        }
        if (!record.VerifySignature(key))
        {
            throw new RecordRejectedException(keyText, "the signature does not verify");
        }
    }

    public int Select(ReadOnlySpan<byte> key, IReadOnlyList<ReadOnlyMemory<byte>> values)
    {
        ArgumentOutOfRangeException.ThrowIfZero(values.Count);
        int best = 0;
        ulong bestSequence = 0;
        for (int i = 0; i < values.Count; i++)
        {
            ulong sequence;
            try
            {
                sequence = SignedRecord.Decode(values[i].Span).Sequence;
            }
            catch (KadProtocolException)
            {
                continue; // callers pass validated values; an undecodable one can never win
            }
            if (i == 0 || sequence > bestSequence)
            {
                best = i;
                bestSequence = sequence;
            }
        }
        return best;
    }

    private static PeerId ParseOwner(ReadOnlySpan<byte> key, string keyText)
    {
        // "/dm/<peer id>/<name>"
        string text = Encoding.UTF8.GetString(key);
        string[] parts = text.Split('/');
        if (parts.Length < 4 || parts[0].Length != 0 || parts[1] != Namespace || parts[3].Length == 0 || key.Length > 1024)
        {
            throw new RecordRejectedException(keyText, $"a \"{Namespace}\" key has the form /{Namespace}/<peer id>/<name>");
        }
        if (!PeerId.TryParse(parts[2], out PeerId? owner) || owner is null)
        {
            throw new RecordRejectedException(keyText, $"\"{parts[2]}\" is not a peer id");
        }
        return owner;
    }
}
