using System.Buffers;
using DataMesh.Libp2p.Protobuf;

namespace DataMesh.Libp2p.Kad;

/// <summary>Limits applied while decoding a kad-dht message, on top of the framing limit of the whole message.</summary>
public sealed record KadCodecLimits
{
    public static KadCodecLimits Default { get; } = new();

    public int MaxKeyBytes { get; init; } = 1024;

    public int MaxValueBytes { get; init; } = 64 * 1024;

    /// <summary>Peers per closerPeers or providerPeers list.</summary>
    public int MaxPeersPerList { get; init; } = 256;

    public int MaxAddressesPerPeer { get; init; } = 64;

    public int MaxAddressBytes { get; init; } = 1024;

    /// <summary>A peer id is a multihash: 2 bytes of header plus at most a 42-byte inlined key or a 32-byte digest.</summary>
    public int MaxPeerIdBytes { get; init; } = 64;
}

/// <summary>Encodes and decodes the kad-dht protobuf Message (proto3) with the span-based protobuf codec.</summary>
internal static class KadMessageCodec
{
    private const int TypeField = 1;
    private const int KeyField = 2;
    private const int RecordField = 3;
    private const int CloserPeersField = 8;
    private const int ProviderPeersField = 9;
    private const int ClusterLevelField = 10;

    private const int RecordKeyField = 1;
    private const int RecordValueField = 2;
    private const int RecordTimeReceivedField = 5;

    private const int PeerIdField = 1;
    private const int PeerAddrsField = 2;
    private const int PeerConnectionField = 3;

    public static void Write(IBufferWriter<byte> writer, KadMessage message)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(message);
        // proto3: default values are not written, as go and js do not write them either.
        if (message.Type != KadMessageType.PutValue)
        {
            ProtoWriter.WriteVarint(writer, TypeField, (ulong)message.Type);
        }
        if (!message.Key.IsEmpty)
        {
            ProtoWriter.WriteBytes(writer, KeyField, message.Key.Span);
        }
        if (message.Record is { } record)
        {
            ProtoWriter.WriteMessage(writer, RecordField, record, WriteRecord);
        }
        foreach (KadPeerInfo peer in message.CloserPeers)
        {
            ProtoWriter.WriteMessage(writer, CloserPeersField, peer, WritePeer);
        }
        foreach (KadPeerInfo peer in message.ProviderPeers)
        {
            ProtoWriter.WriteMessage(writer, ProviderPeersField, peer, WritePeer);
        }
        if (message.ClusterLevelRaw != 0)
        {
            ProtoWriter.WriteVarint(writer, ClusterLevelField, (ulong)(long)message.ClusterLevelRaw);
        }
    }

    public static byte[] Encode(KadMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(buffer, message);
        return buffer.WrittenSpan.ToArray();
    }

    /// <exception cref="KadProtocolException">Malformed protobuf, an unknown message type, or a field over its limit.</exception>
    public static KadMessage Decode(ReadOnlySpan<byte> data, KadCodecLimits? limits = null)
    {
        limits ??= KadCodecLimits.Default;
        try
        {
            return DecodeMessage(data, limits);
        }
        catch (ProtobufFormatException error)
        {
            throw new KadProtocolException("Malformed kad-dht message: " + error.Message, error);
        }
    }

    private static KadMessage DecodeMessage(ReadOnlySpan<byte> data, KadCodecLimits limits)
    {
        var reader = new ProtoReader(data);
        ulong type = 0;
        ReadOnlyMemory<byte> key = ReadOnlyMemory<byte>.Empty;
        KadRecord? record = null;
        var closer = new List<KadPeerInfo>();
        var providers = new List<KadPeerInfo>();
        int clusterLevel = 0;
        while (reader.TryReadTag(out int field, out WireType wire))
        {
            switch (field)
            {
                case TypeField when wire == WireType.Varint:
                    type = reader.ReadVarint();
                    break;
                case KeyField when wire == WireType.LengthDelimited:
                    key = Bounded(reader.ReadLengthDelimited(), limits.MaxKeyBytes, "key");
                    break;
                case RecordField when wire == WireType.LengthDelimited:
                    record = DecodeRecord(reader.ReadLengthDelimited(), limits);
                    break;
                case CloserPeersField when wire == WireType.LengthDelimited:
                    AddPeer(closer, reader.ReadLengthDelimited(), limits, "closerPeers");
                    break;
                case ProviderPeersField when wire == WireType.LengthDelimited:
                    AddPeer(providers, reader.ReadLengthDelimited(), limits, "providerPeers");
                    break;
                case ClusterLevelField when wire == WireType.Varint:
                    clusterLevel = unchecked((int)reader.ReadVarint());
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
        if (type > (ulong)KadMessageType.Ping)
        {
            throw new KadProtocolException($"Unknown kad-dht message type {type}.");
        }
        return new KadMessage((KadMessageType)type, key)
        {
            Record = record,
            CloserPeers = closer,
            ProviderPeers = providers,
            ClusterLevelRaw = clusterLevel,
        };
    }

    private static KadRecord DecodeRecord(ReadOnlySpan<byte> data, KadCodecLimits limits)
    {
        var reader = new ProtoReader(data);
        ReadOnlyMemory<byte> key = ReadOnlyMemory<byte>.Empty;
        ReadOnlyMemory<byte> value = ReadOnlyMemory<byte>.Empty;
        string? timeReceived = null;
        while (reader.TryReadTag(out int field, out WireType wire))
        {
            switch (field)
            {
                case RecordKeyField when wire == WireType.LengthDelimited:
                    key = Bounded(reader.ReadLengthDelimited(), limits.MaxKeyBytes, "record key");
                    break;
                case RecordValueField when wire == WireType.LengthDelimited:
                    value = Bounded(reader.ReadLengthDelimited(), limits.MaxValueBytes, "record value");
                    break;
                case RecordTimeReceivedField when wire == WireType.LengthDelimited:
                    ReadOnlySpan<byte> time = reader.ReadLengthDelimited();
                    if (time.Length > 64)
                    {
                        throw new KadProtocolException($"Record timeReceived is {time.Length} bytes; the limit is 64.");
                    }
                    timeReceived = System.Text.Encoding.UTF8.GetString(time);
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
        return new KadRecord(key, value, timeReceived);
    }

    private static void AddPeer(List<KadPeerInfo> list, ReadOnlySpan<byte> data, KadCodecLimits limits, string name)
    {
        if (list.Count >= limits.MaxPeersPerList)
        {
            throw new KadProtocolException($"More than {limits.MaxPeersPerList} entries in {name}.");
        }
        var reader = new ProtoReader(data);
        ReadOnlyMemory<byte> id = ReadOnlyMemory<byte>.Empty;
        var addresses = new List<ReadOnlyMemory<byte>>();
        ulong connection = 0;
        while (reader.TryReadTag(out int field, out WireType wire))
        {
            switch (field)
            {
                case PeerIdField when wire == WireType.LengthDelimited:
                    id = Bounded(reader.ReadLengthDelimited(), limits.MaxPeerIdBytes, "peer id");
                    break;
                case PeerAddrsField when wire == WireType.LengthDelimited:
                    if (addresses.Count >= limits.MaxAddressesPerPeer)
                    {
                        throw new KadProtocolException($"A peer in {name} lists more than {limits.MaxAddressesPerPeer} addresses.");
                    }
                    addresses.Add(Bounded(reader.ReadLengthDelimited(), limits.MaxAddressBytes, "address"));
                    break;
                case PeerConnectionField when wire == WireType.Varint:
                    connection = reader.ReadVarint();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
        if (id.IsEmpty)
        {
            throw new KadProtocolException($"An entry in {name} has no peer id.");
        }
        var kind = connection <= (ulong)KadConnectionType.CannotConnect ? (KadConnectionType)connection : KadConnectionType.NotConnected;
        list.Add(new KadPeerInfo(id, addresses, kind));
    }

    private static byte[] Bounded(ReadOnlySpan<byte> field, int limit, string name)
    {
        if (field.Length > limit)
        {
            throw new KadProtocolException($"The {name} is {field.Length} bytes; the limit is {limit}.");
        }
        return field.ToArray();
    }

    private static void WriteRecord(IBufferWriter<byte> writer, KadRecord record)
    {
        ProtoWriter.WriteBytes(writer, RecordKeyField, record.Key.Span);
        ProtoWriter.WriteBytes(writer, RecordValueField, record.Value.Span);
        if (record.TimeReceived is { Length: > 0 } time)
        {
            ProtoWriter.WriteString(writer, RecordTimeReceivedField, time);
        }
    }

    private static void WritePeer(IBufferWriter<byte> writer, KadPeerInfo peer)
    {
        ProtoWriter.WriteBytes(writer, PeerIdField, peer.Id.Span);
        foreach (ReadOnlyMemory<byte> address in peer.Addresses)
        {
            ProtoWriter.WriteBytes(writer, PeerAddrsField, address.Span);
        }
        if (peer.Connection != KadConnectionType.NotConnected)
        {
            ProtoWriter.WriteVarint(writer, PeerConnectionField, (ulong)peer.Connection);
        }
    }
}
