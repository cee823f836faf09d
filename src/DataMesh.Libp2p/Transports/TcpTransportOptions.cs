namespace DataMesh.Libp2p.Transports;

/// <summary>Tuning of <see cref="TcpTransport"/>. Immutable.</summary>
public sealed record TcpTransportOptions
{
    /// <summary>How long a dial may take before it fails.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Disables Nagle's algorithm: multiplexed protocols send many small frames that must not wait.</summary>
    public bool NoDelay { get; init; } = true;

    /// <summary>Pending inbound connections the OS queues for a listener.</summary>
    public int ListenBacklog { get; init; } = 512;

    /// <summary>
    /// Size of the buffers between the socket and the pipes (read size and minimum write buffer). Large buffers
    /// mean fewer system calls per byte, which dominates throughput.
    /// </summary>
    public int PipeBufferSize { get; init; } = 128 * 1024;

    /// <summary>Kernel send buffer; null keeps the OS default (which Linux auto-tunes).</summary>
    public int? SocketSendBufferSize { get; init; }

    /// <summary>Kernel receive buffer; null keeps the OS default (which Linux auto-tunes).</summary>
    public int? SocketReceiveBufferSize { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(ListenBacklog, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(PipeBufferSize, 4096);
        if (SocketSendBufferSize is { } send)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(send, 4096, nameof(SocketSendBufferSize));
        }

        if (SocketReceiveBufferSize is { } receive)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(receive, 4096, nameof(SocketReceiveBufferSize));
        }
    }
}
