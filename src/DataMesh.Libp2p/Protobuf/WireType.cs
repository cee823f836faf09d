namespace DataMesh.Libp2p.Protobuf;

/// <summary>Protobuf wire types (the low 3 bits of a field tag).</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
}

/// <summary>Malformed protobuf bytes: truncated field, over-long varint, bad tag, or a length beyond the input.</summary>
internal sealed class ProtobufFormatException : Libp2pException
{
    public ProtobufFormatException(string message) : base(message) { }
}
