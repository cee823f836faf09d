using System.Text.Json;
using System.Text.Json.Nodes;

namespace DataMesh.Interop.Tests.Harness;

// Typed wrappers of the js node commands (see js/lib/commands.mjs). A "target" is a multiaddr (starts with
// '/', may end in /p2p/<id>) or a peer id the js node already has addresses for. Every method takes an
// optional time limit (default JsNodeOptions.CommandTimeout, or BulkTimeout for echo and sink).
public sealed partial class JsNode
{
    public async Task<JsNodeInfo> InfoAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Parse<JsNodeInfo>(await SendAsync("info", null, timeout, cancellationToken));

    /// <summary>Opens (or reuses) a connection to <paramref name="target"/>.</summary>
    public async Task<JsConnection> DialAsync(string target, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Parse<JsConnection>(await SendAsync("dial", Target(target), timeout, cancellationToken));

    /// <summary>Closes every connection to <paramref name="target"/>.</summary>
    public async Task HangUpAsync(string target, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        await SendAsync("hangUp", Target(target), timeout, cancellationToken);

    public async Task<IReadOnlyList<JsConnection>> ConnectionsAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Parse<JsConnectionsReply>(await SendAsync("connections", null, timeout, cancellationToken)).Connections;

    /// <summary>Runs /ipfs/ping/1.0.0 <paramref name="count"/> times, one after another; returns each round-trip time in ms.</summary>
    public async Task<IReadOnlyList<double>> PingAsync(string target, int count = 1, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var arguments = Target(target);
        arguments["count"] = count;
        return Parse<JsPingReply>(await SendAsync("ping", arguments, timeout, cancellationToken)).RttsMs;
    }

    /// <summary>Runs /ipfs/id/1.0.0 on the open connection to <paramref name="peerId"/> and returns what that peer sent.</summary>
    public async Task<JsIdentifyResult> IdentifyAsync(string peerId, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Parse<JsIdentifyResult>(await SendAsync("identify", new JsonObject { ["peerId"] = peerId }, timeout, cancellationToken));

    /// <summary>What the js node's peer store holds about <paramref name="peerId"/> (filled by identify on connect).</summary>
    public async Task<JsPeerStoreEntry> PeerStoreAsync(string peerId, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Parse<JsPeerStoreEntry>(await SendAsync("peerStore", new JsonObject { ["peerId"] = peerId }, timeout, cancellationToken));

    /// <summary>
    /// Sends <paramref name="sizeBytes"/> deterministic pseudo-random bytes (seeded by <paramref name="seed"/>) over
    /// /datamesh/echo/1.0.0 to <paramref name="target"/>, half-closes, reads everything back and checks it byte for
    /// byte; throws <see cref="JsNodeCommandException"/> on any difference.
    /// </summary>
    public async Task<JsTransferResult> EchoAsync(string target, long sizeBytes, uint seed = 1, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var arguments = Target(target);
        arguments["sizeBytes"] = sizeBytes;
        arguments["seed"] = seed;
        return Parse<JsTransferResult>(await SendAsync("echo", arguments, timeout ?? _options.BulkTimeout, cancellationToken));
    }

    /// <summary>Sends <paramref name="sizeBytes"/> bytes to /datamesh/sink/1.0.0 on <paramref name="target"/> and checks the count it returns.</summary>
    public async Task<JsTransferResult> SinkAsync(string target, long sizeBytes, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var arguments = Target(target);
        arguments["sizeBytes"] = sizeBytes;
        return Parse<JsTransferResult>(await SendAsync("sink", arguments, timeout ?? _options.BulkTimeout, cancellationToken));
    }

    /// <summary>kad-dht peer lookup; throws <see cref="JsNodeCommandException"/> if the peer is not found.</summary>
    public async Task<JsPeerInfo> FindPeerAsync(string peerId, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Parse<JsPeerInfo>(await SendAsync("findPeer", new JsonObject { ["peerId"] = peerId }, timeout, cancellationToken));

    /// <summary>kad-dht closest-peers query for a UTF-8 key.</summary>
    public async Task<IReadOnlyList<JsPeerInfo>> GetClosestPeersAsync(string key, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Parse<JsPeersReply>(await SendAsync("getClosestPeers", new JsonObject { ["key"] = key }, timeout, cancellationToken)).Peers;

    /// <summary>kad-dht put under a UTF-8 key such as "/dmtest/name"; returns how many peers acknowledged it.</summary>
    public Task<int> PutValueAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        PutValueCoreAsync(new JsonObject { ["key"] = key }, value, timeout, cancellationToken);

    /// <summary>kad-dht put under a binary key (its namespace must still be "/dmtest/" or another accepted one).</summary>
    public Task<int> PutValueAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        PutValueCoreAsync(new JsonObject { ["keyBase64"] = Convert.ToBase64String(key.Span) }, value, timeout, cancellationToken);

    /// <summary>kad-dht get; throws <see cref="JsNodeCommandException"/> if no value is found.</summary>
    public async Task<byte[]> GetValueAsync(string key, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Convert.FromBase64String(Parse<JsValueReply>(await SendAsync("getValue", new JsonObject { ["key"] = key }, timeout, cancellationToken)).ValueBase64);

    public async Task<byte[]> GetValueAsync(ReadOnlyMemory<byte> key, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Convert.FromBase64String(Parse<JsValueReply>(
            await SendAsync("getValue", new JsonObject { ["keyBase64"] = Convert.ToBase64String(key.Span) }, timeout, cancellationToken)).ValueBase64);

    /// <summary>
    /// kad-dht provide. <paramref name="cidOrKey"/> is a CID string, or any other text, which stands for the CIDv1
    /// (raw, sha2-256) of its UTF-8 bytes. Returns the CID provided.
    /// </summary>
    public async Task<string> ProvideAsync(string cidOrKey, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Parse<JsCidReply>(await SendAsync("provide", new JsonObject { ["cidOrKey"] = cidOrKey }, timeout, cancellationToken)).Cid;

    /// <summary>kad-dht provider lookup (same key rules as <see cref="ProvideAsync"/>); stops after <paramref name="max"/> providers.</summary>
    public async Task<IReadOnlyList<JsPeerInfo>> FindProvidersAsync(string cidOrKey, int max = 20, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Parse<JsProvidersReply>(await SendAsync("findProviders", new JsonObject { ["cidOrKey"] = cidOrKey, ["max"] = max }, timeout, cancellationToken)).Providers;

    public async Task<JsRoutingTable> RoutingTableAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Parse<JsRoutingTable>(await SendAsync("routingTable", null, timeout, cancellationToken));

    /// <summary>
    /// Polls the kad routing table until it holds at least <paramref name="minPeers"/> peers. Peers enter it only
    /// after identify shows they speak the kad protocol, so this is the point where DHT queries can reach them.
    /// </summary>
    public async Task<JsRoutingTable> WaitForRoutingTableAsync(int minPeers, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        JsRoutingTable? last = null;
        try
        {
            while (true)
            {
                last = await RoutingTableAsync(cancellationToken: limit.Token);
                if (last.Peers.Count >= minPeers)
                {
                    return last;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), limit.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new JsNodeException(
                $"js node {PeerId}: routing table held {last?.Peers.Count ?? 0} peers, not {minPeers}, after {timeout.TotalSeconds:0.#} s.");
        }
    }

    private async Task<int> PutValueCoreAsync(JsonObject arguments, ReadOnlyMemory<byte> value, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        arguments["valueBase64"] = Convert.ToBase64String(value.Span);
        return Parse<JsPutReply>(await SendAsync("putValue", arguments, timeout, cancellationToken)).Replicas;
    }

    private static JsonObject Target(string target)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        return target.StartsWith('/') ? new JsonObject { ["addr"] = target } : new JsonObject { ["peerId"] = target };
    }

    private static T Parse<T>(JsonElement result)
    {
        try
        {
            return result.Deserialize<T>(Json) ?? throw new JsNodeException($"js node sent an empty {typeof(T).Name}.");
        }
        catch (JsonException ex)
        {
            throw new JsNodeException($"js node sent a reply that is not a {typeof(T).Name}: {result}", ex);
        }
    }
}
