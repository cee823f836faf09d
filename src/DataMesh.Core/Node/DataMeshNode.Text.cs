using DataMesh.Core.Configuration;
using DataMesh.Core.Diagnostics;
using DataMesh.Libp2p;
using DataMesh.Libp2p.Host;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Multiformats;
using DataMesh.Libp2p.Protocols.Identify;
using DataMesh.Storage;
using DataMesh.Storage.Catalog;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Keys;
using DataMesh.Storage.Manifests;
using DataMesh.Storage.Pipeline;

namespace DataMesh.Core.Node;

/// <summary>The node's API in text form (addresses, peer ids, file keys and identities as strings), for hosts such as
/// the cmdlets that must not depend on the network and storage assemblies. Errors of those layers come out as
/// <see cref="NodeRequestException"/> with a <see cref="NodeErrorKind"/>.</summary>
public sealed partial class DataMeshNode
{
    /// <summary>Starts a node whose components all log into <paramref name="log"/>.</summary>
    public static Task<DataMeshNode> StartAsync(DataMeshOptions options, NodeStartOptions? start, PipelineLogQueue log,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        return StartAsync(options, start, new QueueLoggerFactory(log), cancellationToken);
    }

    public string PeerIdText => PeerId.ToString();

    public string DataDirectory => Path.GetFullPath(Options.Storage.DataDir);

    /// <summary>The bound listen addresses (real ports), without the /p2p suffix.</summary>
    public IReadOnlyList<string> ListenAddressTexts => [.. ListenAddresses.Select(a => a.ToString())];

    /// <summary>The listen addresses with /p2p/&lt;peer id&gt;: what other nodes pass as bootstrap addresses.</summary>
    public IReadOnlyList<string> DialAddressTexts => [.. ListenAddresses.Select(a => a.WithPeerId(PeerId).ToString())];

    /// <summary>This user's public identity string, what senders pass as a recipient.</summary>
    public string ExportPublicIdentity() => User.PublicIdentity.Export();

    /// <exception cref="NodeRequestException">An address does not parse (nothing is dialed then).</exception>
    public async Task<IReadOnlyList<ConnectAttempt>> ConnectAsync(IEnumerable<string> addresses, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        Multiaddr[] parsed = [.. addresses.Select(ParseAddress)];
        IReadOnlyList<PeerConnectResult> results = await ConnectAsync(parsed, cancellationToken).ConfigureAwait(false);
        return [.. results.Select(r => new ConnectAttempt(r.Address.ToString(), r.PeerId?.ToString(), r.Error))];
    }

    /// <summary>Dials the address (or reuses the connection to its peer) and measures one ping round trip.</summary>
    /// <exception cref="NodeRequestException">Bad address (InvalidAddress) or no answer (PeerUnreachable).</exception>
    public async Task<PingReply> PingAsync(string address, CancellationToken cancellationToken)
    {
        Multiaddr target = ParseAddress(address);
        try
        {
            Connection connection = await Host.DialAsync(target, cancellationToken).ConfigureAwait(false);
            TimeSpan rtt = await Host.PingAsync(connection.RemotePeer, cancellationToken).ConfigureAwait(false);
            return new PingReply(connection.RemotePeer.ToString(), target.ToString(), rtt);
        }
        catch (Exception error) when (error is Libp2pException or TimeoutException or IOException)
        {
            throw new NodeRequestException(NodeErrorKind.PeerUnreachable, $"{target} did not answer: {error.Message}", error);
        }
    }

    /// <summary>The peers this node has an open connection to, with what they said in Identify.</summary>
    public IReadOnlyList<ConnectedPeerView> GetConnectedPeers()
    {
        var peers = new List<ConnectedPeerView>();
        foreach (Connection connection in Host.Connections.Where(c => !c.IsClosed).OrderBy(c => c.OpenedAt))
        {
            IdentifyInfo? info = connection.Identified.IsCompletedSuccessfully ? connection.Identified.Result : null;
            peers.Add(new ConnectedPeerView(
                connection.RemotePeer.ToString(),
                connection.RemoteAddress.ToString(),
                info is null ? [] : [.. info.ListenAddresses.Select(a => a.ToString())],
                info?.AgentVersion,
                info?.Protocols ?? [],
                connection.Direction.ToString(),
                connection.OpenedAt));
        }
        return peers;
    }

    public IReadOnlyList<PeerStatsView> GetPeerStatisticsText() =>
        [.. GetPeerStatistics().Select(s => new PeerStatsView(s.PeerId.ToString(), s))];

    /// <summary>Files this user sent, newest first, optionally only those with <paramref name="tag"/>.</summary>
    public async Task<IReadOnlyList<CatalogFileView>> QueryCatalogAsync(string? tag, CancellationToken cancellationToken)
    {
        IReadOnlyList<CatalogEntry> entries = await Catalog.QueryAsync(new CatalogQuery { Tag = tag }, cancellationToken).ConfigureAwait(false);
        return [.. entries.OrderByDescending(e => e.CreatedUtc).Select(e => new CatalogFileView(e.FileKey, e.Name, e.Size, e.Tags,
            e.CreatedUtc, e.ChunkSize, e.DataShards, e.ParityShards, e.StripeCount, e.RecipientCount))];
    }

    /// <summary>Sends a file; recipients are public identity strings.</summary>
    /// <exception cref="NodeRequestException">A recipient does not parse, or the data plane failed.</exception>
    /// <param name="toleratedFailures">Node losses the file must survive; null: tolerated_node_failures.</param>
    /// <param name="force">Send even with fewer than 2 storage peers reachable.</param>
    public async Task<SendFileResult> SendFileAsync(string path, string? name, IReadOnlyList<string> tags, IReadOnlyList<string> recipients,
        int? maxConcurrency, int? toleratedFailures, bool force, IProgress<Transfers.TransferProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tags);
        ArgumentNullException.ThrowIfNull(recipients);
        var identities = new List<PublicIdentity>(recipients.Count);
        foreach (string recipient in recipients)
        {
            if (!PublicIdentity.TryParse(recipient, out PublicIdentity? identity))
            {
                throw new NodeRequestException(NodeErrorKind.InvalidRecipient,
                    $"'{recipient}' is not a public identity (get one with Export-DataMeshIdentity).");
            }
            identities.Add(identity);
        }
        var options = new SendFileOptions
        {
            Name = name,
            Tags = tags,
            Recipients = identities,
            MaxConcurrency = maxConcurrency,
            ToleratedFailures = toleratedFailures,
            Force = force,
        };
        return await TranslateAsync(() => SendFileAsync(path, options, progress, cancellationToken)).ConfigureAwait(false);
    }

    /// <exception cref="NodeRequestException">The key does not parse, the destination exists, the file was not
    /// shared with this user, or the data plane failed.</exception>
    public async Task<ReceiveFileResult> ReceiveFileAsync(string fileKey, string? destination, ReceiveFileOptions? options,
        IProgress<Transfers.TransferProgress>? progress, CancellationToken cancellationToken)
    {
        if (!ManifestAddress.TryParse(fileKey?.Trim(), out ManifestAddress address))
        {
            string detail;
            try
            {
                ManifestAddress.Parse(fileKey ?? string.Empty);
                detail = "it is not a file key";
            }
            catch (StorageException error)
            {
                detail = error.Message;
            }
            throw new NodeRequestException(NodeErrorKind.InvalidFileKey, $"'{fileKey}' is not a file key: {detail}");
        }
        return await TranslateAsync(() => ReceiveFileAsync(address, destination, options, progress, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The file key of a send result in text form ("dm1…").</summary>
    public static string FileKeyText(SendFileResult result) => result?.FileKey.ToString() ?? throw new ArgumentNullException(nameof(result));

    /// <summary>The file key of a receive result in text form ("dm1…").</summary>
    public static string FileKeyText(ReceiveFileResult result) => result?.FileKey.ToString() ?? throw new ArgumentNullException(nameof(result));

    private Multiaddr ParseAddress(string address)
    {
        Multiaddr parsed;
        try
        {
            parsed = Multiaddr.Parse(address?.Trim() ?? string.Empty);
        }
        catch (Libp2pException error)
        {
            throw new NodeRequestException(NodeErrorKind.InvalidAddress, $"'{address}' is not a multiaddr: {error.Message}", error);
        }
        if (parsed.PeerId is { } peer && peer.Equals(PeerId))
        {
            throw new NodeRequestException(NodeErrorKind.InvalidAddress, $"'{address}' is this node's own address.");
        }
        return parsed;
    }

    private static async Task<T> TranslateAsync<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (Durability.InsufficientStoragePeersException error)
        {
            throw new NodeRequestException(NodeErrorKind.InsufficientStoragePeers, error.Message, error);
        }
        catch (DestinationExistsException error)
        {
            // The storage layer's message names its option (Overwrite); a host adds how its users allow replacing.
            throw new NodeRequestException(NodeErrorKind.DestinationExists, $"{error.Path} already exists.", error);
        }
        catch (WrongKeyException error)
        {
            throw new NodeRequestException(NodeErrorKind.NotARecipient, error.Message, error);
        }
        catch (StorageException error)
        {
            throw new NodeRequestException(NodeErrorKind.Storage, error.Message, error);
        }
        catch (Libp2pException error)
        {
            throw new NodeRequestException(NodeErrorKind.Network, error.Message, error);
        }
    }
}
