namespace DataMesh.Core.Exchange;

/// <summary>/datamesh/chunk/1.0.0: one request per stream. The dialer writes a fixed-size request header and its
/// payload, the listener answers with a fixed-size response header, an optional UTF-8 message and a payload.
/// Every length is checked against the limits below before anything is allocated. Documented in docs/chunk-exchange.md.</summary>
internal static class ChunkExchangeProtocol
{
    public const string ProtocolId = "/datamesh/chunk/1.0.0";

    /// <summary>type(1) flags(1) hash(32) payloadLength(4, big-endian). A Store with <see cref="ChunkRequestFlags.OwnerTag"/>
    /// is followed, after its payload, by an <see cref="OwnerTag.Size"/>-byte owner tag.</summary>
    public const int RequestHeaderSize = 38;

    /// <summary>status(1) reserved(1) messageLength(2, big-endian) payloadLength(4, big-endian).</summary>
    public const int ResponseHeaderSize = 8;

    /// <summary>The largest shard the protocol carries: a 4 MiB chunk sealed (16-byte tag) with room to spare.</summary>
    public const int MaxShardBytes = (4 * 1024 * 1024) + (4 * 1024);

    /// <summary>How many addresses one "which do you hold" request may list.</summary>
    public const int MaxHaveQuery = 1024;

    public const int MaxMessageBytes = 1024;

    /// <summary>The largest Delete payload: the owner's 64-byte signature followed by the encoded manifest, which is
    /// stored like a shard and so is never larger than one.</summary>
    public const int MaxDeletePayload = DeleteAuthorization.SignatureLength + MaxShardBytes;
}

/// <summary>What a request asks.</summary>
internal enum ChunkRequestType : byte
{
    /// <summary>Store the payload under the hash (idempotent).</summary>
    Store = 1,

    /// <summary>Send the shard with this hash.</summary>
    Fetch = 2,

    /// <summary>The payload lists hashes; answer one byte per hash, 1 when held.</summary>
    Have = 3,

    /// <summary>Delete what a manifest references (the hash is the manifest address; the payload is the owner's
    /// signature and the manifest). Peers that predate it answer BadRequest ("unknown request type"), which the
    /// client reports as "does not support delete". See docs/chunk-exchange.md.</summary>
    Delete = 4,
}

/// <summary>How a request ended, as the remote reports it.</summary>
internal enum ChunkResponseStatus : byte
{
    Ok = 0,
    NotFound = 1,
    OverQuota = 2,
    TooLarge = 3,
    HashMismatch = 4,
    NotAStorageNode = 5,
    BadRequest = 6,
    Busy = 7,
    InternalError = 8,

    /// <summary>A Delete whose signature is not the manifest owner's.</summary>
    Forbidden = 9,

    /// <summary>A tagged Store of a shard that already has the maximum number of owner claims on that peer; the
    /// shard was not stored for this owner (try another peer). Only tagged stores, which older clients never send,
    /// are answered with it.</summary>
    TooManyClaims = 10,
}

/// <summary>The flags byte of a request header.</summary>
[Flags]
internal enum ChunkRequestFlags : byte
{
    None = 0,

    /// <summary>Store only: the storer's owner tag (<see cref="OwnerTag.Size"/> bytes, not counted in payloadLength)
    /// follows the shard. A peer that predates claims reads the shard, answers and never reads the tag.</summary>
    OwnerTag = 1,
}
