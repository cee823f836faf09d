namespace DataMesh.Interop.Tests.Harness;

/// <summary>Key type of a js node's identity.</summary>
public enum JsKeyType
{
    Ed25519,
    Secp256k1,
}

/// <summary>How to start a <see cref="JsNode"/>. Every value has a default suited to loopback tests.</summary>
public sealed record JsNodeOptions
{
    public string ListenAddress { get; init; } = "/ip4/127.0.0.1/tcp/0";

    public JsKeyType KeyType { get; init; } = JsKeyType.Ed25519;

    /// <summary>A libp2p protobuf-encoded private key to use instead of a fresh one (fixes the peer id).</summary>
    public ReadOnlyMemory<byte> PrivateKeyProtobuf { get; init; }

    public string AgentVersion { get; init; } = "datamesh-interop-js/1.0.0";

    /// <summary>Runs kad-dht in server mode, with an accept-all validator and selector for <see cref="KadNamespace"/>.</summary>
    public bool Kad { get; init; }

    public string KadProtocol { get; init; } = "/datamesh/kad/1.0.0";

    /// <summary>Record keys "/&lt;namespace&gt;/..." in this namespace are accepted without checks.</summary>
    public string KadNamespace { get; init; } = "dmtest";

    /// <summary>The js process exits by itself after this long, whatever happens to the test.</summary>
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long to wait for the ready line.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Default time limit of a command (the js side aborts it; the harness waits a little longer).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Default time limit of echo and sink transfers.</summary>
    public TimeSpan BulkTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Receives every stderr line of the js process (e.g. ITestOutputHelper.WriteLine); exceptions it throws are ignored.</summary>
    public Action<string>? StandardErrorLine { get; init; }

    internal IEnumerable<string> ToArguments()
    {
        yield return "--listen";
        yield return ListenAddress;
        yield return "--key-type";
        yield return KeyType == JsKeyType.Secp256k1 ? "secp256k1" : "ed25519";
        if (!PrivateKeyProtobuf.IsEmpty)
        {
            yield return "--private-key";
            yield return Convert.ToBase64String(PrivateKeyProtobuf.Span);
        }

        yield return "--agent";
        yield return AgentVersion;
        yield return "--kad";
        yield return Kad ? "true" : "false";
        yield return "--kad-protocol";
        yield return KadProtocol;
        yield return "--kad-namespace";
        yield return KadNamespace;
        yield return "--lifetime-s";
        yield return Math.Max(1, (int)Math.Ceiling(Lifetime.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
