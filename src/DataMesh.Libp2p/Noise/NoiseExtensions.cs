namespace DataMesh.Libp2p.Noise;

/// <summary>The NoiseExtensions message of the libp2p handshake payload (noise spec, extension registry).</summary>
/// <param name="StreamMuxers">Muxers offered for inlined muxer negotiation, in preference order.</param>
/// <param name="WebTransportCertHashes">WebTransport certificate hashes (multihashes).</param>
internal sealed record NoiseExtensions(IReadOnlyList<string> StreamMuxers, IReadOnlyList<ReadOnlyMemory<byte>> WebTransportCertHashes)
{
    public static NoiseExtensions Empty { get; } = new([], []);
}
