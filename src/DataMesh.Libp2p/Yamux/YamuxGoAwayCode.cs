namespace DataMesh.Libp2p.Yamux;

/// <summary>The error code carried by a GoAway frame.</summary>
internal enum YamuxGoAwayCode : uint
{
    /// <summary>Normal termination.</summary>
    Normal = 0,

    /// <summary>The peer violated the protocol.</summary>
    ProtocolError = 1,

    /// <summary>The sender hit an internal error.</summary>
    InternalError = 2,
}
