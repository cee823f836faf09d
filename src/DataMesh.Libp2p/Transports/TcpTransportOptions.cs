namespace DataMesh.Libp2p.Transports;

/// <summary>Socket settings for <see cref="TcpTransport"/>.</summary>
public sealed record TcpTransportOptions
{
    /// <summary>Bytes buffered by the receive pipe before reading from the socket pauses (back-pressure to the peer).</summary>
    public int ReceiveBufferBytes { get; init; } = 1024 * 1024;

    /// <summary>Bytes the application may queue for sending before its writes wait.</summary>
    public int SendBufferBytes { get; init; } = 1024 * 1024;

    /// <summary>Pending connections the OS queues before we accept them.</summary>
    public int Backlog { get; init; } = 512;
}
