using DataMesh.Libp2p.Protocols.Identify;

namespace DataMesh.Libp2p.Host;

public sealed partial class Libp2pHost
{
    /// <summary>Asks a newly connected peer who it is and records the answer in the peer store.</summary>
    private async Task IdentifyAsync(Connection connection)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
            timeout.CancelAfter(Options.HandshakeTimeout);
            Libp2pStream stream = await connection.OpenStreamAsync(IdentifyProtocol.ProtocolId, timeout.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                IdentifyInfo info = await IdentifyProtocol.RequestAsync(stream, Options.MaxIdentifyMessageBytes, timeout.Token).ConfigureAwait(false);
                Peers.RecordIdentify(connection.RemotePeer, info);
                connection.SetIdentified(info);
                Log.Identified(_logger, connection.RemotePeer, info.AgentVersion ?? "(none)", info.Protocols.Count);
            }
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            Log.IdentifyFailed(_logger, connection.RemotePeer, error.Message);
            connection.SetIdentifyFailed(error);
        }
    }

    private Task RespondToIdentifyAsync(Libp2pStream stream, CancellationToken cancellationToken)
    {
        var info = new IdentifyInfo(
            _identity.PublicKey,
            GetAdvertisedAddresses(),
            [.. Protocols],
            stream.Connection.RemoteAddress,
            Options.ProtocolVersion,
            Options.AgentVersion);
        return IdentifyProtocol.RespondAsync(stream, info, cancellationToken);
    }
}
