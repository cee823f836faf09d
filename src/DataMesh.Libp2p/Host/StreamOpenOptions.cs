using DataMesh.Libp2p.Yamux;

namespace DataMesh.Libp2p.Host;

/// <summary>How <see cref="Connection.OpenStreamAsync(string, StreamOpenOptions, CancellationToken)"/> opens a stream.
/// The defaults are the plain libp2p behaviour: full negotiation, the session's usual receive window.</summary>
public sealed record StreamOpenOptions
{
    public static StreamOpenOptions Default { get; } = new();

    /// <summary>
    /// Skip the negotiation round trip when it is safe: the peer's Identify answer on this connection listed the
    /// protocol. The proposal then travels with the first request and the answer is checked on the first read
    /// (<see cref="Multistream.MultistreamSelect.SelectLazily"/>). Without an Identify answer listing the protocol the
    /// stream negotiates as usual, so a peer that never supported it costs nothing more than before.
    /// </summary>
    public bool Optimistic { get; init; }

    /// <summary>
    /// Receive window to grant the peer with the stream's opening frame, for an answer larger than the 256 KiB every
    /// stream starts with (e.g. a whole shard). Null: the session's <see cref="YamuxOptions.InitialWindowSize"/>.
    /// Clamped to <see cref="YamuxOptions.InitialWindowSize"/> .. <see cref="YamuxOptions.MaxWindowSize"/>; the part
    /// beyond the usual window comes from the session's window budget (see <see cref="YamuxSession.OpenStreamAsync(int, CancellationToken)"/>).
    /// </summary>
    public int? ReceiveWindow { get; init; }
}
