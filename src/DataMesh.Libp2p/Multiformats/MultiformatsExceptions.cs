namespace DataMesh.Libp2p.Multiformats;

/// <summary>An unsigned varint that is longer than 9 bytes or not minimally encoded (multiformats/unsigned-varint).</summary>
internal sealed class MalformedVarintException : Libp2pException
{
    public MalformedVarintException(string message) : base(message) { }
}

/// <summary>A multihash with an unsupported function code, a wrong digest length or truncated bytes.</summary>
internal sealed class MultihashFormatException : Libp2pException
{
    public MultihashFormatException(string message) : base(message) { }
    public MultihashFormatException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>Bytes that are not a binary CIDv1: another version, a malformed codec varint or multihash, trailing bytes.</summary>
internal sealed class CidFormatException : Libp2pException
{
    public CidFormatException(string message) : base(message) { }
    public CidFormatException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>A multibase string with an unknown prefix or a character outside its alphabet.</summary>
internal sealed class MultibaseFormatException : Libp2pException
{
    public MultibaseFormatException(string message) : base(message) { }
}

/// <summary>A multiaddr (text or binary) that names an unknown protocol, carries a bad value or is truncated.</summary>
internal sealed class MultiaddrFormatException : Libp2pException
{
    public MultiaddrFormatException(string message) : base(message) { }
    public MultiaddrFormatException(string message, Exception? innerException) : base(message, innerException) { }
}
