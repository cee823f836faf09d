using System.Buffers;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Protobuf;

namespace DataMesh.Libp2p.Protocols.Identify;

/// <summary>Span codec for the Identify protobuf. Decoding is tolerant of what we cannot use (addresses of transports
/// we do not know, key types we cannot verify) and strict about structure and sizes.</summary>
internal static class IdentifyCodec
{
    private const int PublicKeyField = 1;
    private const int ListenAddrsField = 2;
    private const int ProtocolsField = 3;
    private const int ObservedAddrField = 4;
    private const int ProtocolVersionField = 5;
    private const int AgentVersionField = 6;

    /// <summary>Bounds on repeated fields, so a peer cannot make us build huge lists from one message.</summary>
    private const int MaxListEntries = 256;

    public static void Write(IBufferWriter<byte> writer, IdentifyInfo info)
    {
        if (info.PublicKey is not null)
        {
            ProtoWriter.WriteBytes(writer, PublicKeyField, info.PublicKey.ToProtobuf());
        }
        foreach (Multiaddr address in info.ListenAddresses)
        {
            ProtoWriter.WriteBytes(writer, ListenAddrsField, address.ToBytes());
        }
        foreach (string protocol in info.Protocols)
        {
            ProtoWriter.WriteString(writer, ProtocolsField, protocol);
        }
        if (info.ObservedAddress is not null)
        {
            ProtoWriter.WriteBytes(writer, ObservedAddrField, info.ObservedAddress.ToBytes());
        }
        if (info.ProtocolVersion is not null)
        {
            ProtoWriter.WriteString(writer, ProtocolVersionField, info.ProtocolVersion);
        }
        if (info.AgentVersion is not null)
        {
            ProtoWriter.WriteString(writer, AgentVersionField, info.AgentVersion);
        }
    }

    public static IdentifyInfo Read(ReadOnlySpan<byte> message)
    {
        PublicKey? publicKey = null;
        var listen = new List<Multiaddr>();
        var protocols = new List<string>();
        Multiaddr? observed = null;
        string? protocolVersion = null;
        string? agentVersion = null;

        var reader = new ProtoReader(message);
        while (reader.TryReadTag(out int field, out WireType type))
        {
            switch (field)
            {
                case PublicKeyField when type == WireType.LengthDelimited:
                    publicKey = TryReadKey(reader.ReadLengthDelimited());
                    break;
                case ListenAddrsField when type == WireType.LengthDelimited:
                    AddBounded(listen, TryReadAddress(reader.ReadLengthDelimited()));
                    break;
                case ProtocolsField when type == WireType.LengthDelimited:
                    AddBounded(protocols, reader.ReadString());
                    break;
                case ObservedAddrField when type == WireType.LengthDelimited:
                    observed = TryReadAddress(reader.ReadLengthDelimited());
                    break;
                case ProtocolVersionField when type == WireType.LengthDelimited:
                    protocolVersion = reader.ReadString();
                    break;
                case AgentVersionField when type == WireType.LengthDelimited:
                    agentVersion = reader.ReadString();
                    break;
                default:
                    reader.Skip(type);
                    break;
            }
        }
        return new IdentifyInfo(publicKey, listen, protocols, observed, protocolVersion, agentVersion);
    }

    private static void AddBounded<T>(List<T> list, T? item)
    {
        if (item is null)
        {
            return;
        }
        if (list.Count >= MaxListEntries)
        {
            throw new ProtobufFormatException($"An Identify message listed more than {MaxListEntries} entries in one field.");
        }
        list.Add(item);
    }

    private static PublicKey? TryReadKey(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return PublicKey.FromProtobuf(bytes);
        }
        catch (Libp2pException)
        {
            // A key type we cannot use (e.g. RSA) does not make the rest of the message useless.
            return null;
        }
    }

    private static Multiaddr? TryReadAddress(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return Multiaddr.FromBytes(bytes);
        }
        catch (MultiaddrFormatException)
        {
            // Peers advertise transports we do not speak (webrtc, quic); skip those addresses.
            return null;
        }
    }
}
