namespace DataMesh.Core.Node;

/// <summary>What went wrong in a request made through the text API of <see cref="DataMeshNode"/>, so hosts that see
/// only Core types (the cmdlets) can react without knowing the network and storage layers' exception types.</summary>
public enum NodeErrorKind
{
    /// <summary>A multiaddr that does not parse, or that names this node itself.</summary>
    InvalidAddress,

    /// <summary>A file key that is not a valid "dm1…" address.</summary>
    InvalidFileKey,

    /// <summary>A -Recipient value that is not a public identity string.</summary>
    InvalidRecipient,

    /// <summary>The peer could not be dialed or did not answer.</summary>
    PeerUnreachable,

    /// <summary>The receive destination exists and overwriting was not allowed.</summary>
    DestinationExists,

    /// <summary>The file was not shared with this node's user identity.</summary>
    NotARecipient,

    /// <summary>The data plane refused or failed (corrupt or tampered data, storage errors).</summary>
    Storage,

    /// <summary>The network layer failed (protocol errors, closed connections).</summary>
    Network,

    /// <summary>Only the file's owner may do this (Remove-DataMeshFile on another user's file).</summary>
    NotOwner,

    /// <summary>No reachable peer has the file's manifest.</summary>
    FileNotOnMesh,

    /// <summary>A peer id that does not parse, or that names this node itself where another peer is meant.</summary>
    InvalidPeerId,

    /// <summary>A DHT record key or name that is malformed, or in a namespace this node does not allow.</summary>
    InvalidRecordKey,

    /// <summary>A DHT record value that is too large.</summary>
    InvalidRecordValue,

    /// <summary>The DHT lookup finished without finding the peer or record.</summary>
    NotFoundOnDht,

    /// <summary>Fewer than 2 storage peers are reachable: a file sent now would not survive a node loss.</summary>
    InsufficientStoragePeers,
}

/// <summary>A request through the node's text API failed; <see cref="Kind"/> says how, the inner exception why.</summary>
public sealed class NodeRequestException : DataMeshException
{
    public NodeRequestException(NodeErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException) => Kind = kind;

    public NodeErrorKind Kind { get; }
}
