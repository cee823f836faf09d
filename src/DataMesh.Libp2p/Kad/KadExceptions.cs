namespace DataMesh.Libp2p.Kad;

/// <summary>Base of the errors the Kademlia DHT raises on purpose.</summary>
public class KadException : Libp2pException
{
    public KadException(string message) : base(message) { }

    public KadException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>A peer sent a Kademlia message that is malformed or exceeds a limit.</summary>
public sealed class KadProtocolException : KadException
{
    public KadProtocolException(string message) : base(message) { }

    public KadProtocolException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>A record was refused: unknown namespace, failed validation, or too large. <see cref="Reason"/> says why.</summary>
public sealed class RecordRejectedException : KadException
{
    public RecordRejectedException(string key, string reason)
        : base($"Record '{key}' rejected: {reason}")
    {
        Key = key;
        Reason = reason;
    }

    public string Key { get; }

    public string Reason { get; }
}

/// <summary>A value or peer lookup finished without finding what it looked for.</summary>
public sealed class KadNotFoundException : KadException
{
    public KadNotFoundException(string message) : base(message) { }
}
