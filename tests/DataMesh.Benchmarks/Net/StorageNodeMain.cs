using DataMesh.Core.Configuration;
using DataMesh.Core.Node;

namespace DataMesh.Benchmarks.Net;

/// <summary>`storage-node --data-dir DIR`: the benchmark exe as one storage node in a process of its own. It listens
/// on 127.0.0.1 (a free port), prints "READY &lt;peer id&gt; &lt;listen address&gt;" and serves until its standard input
/// closes, so it never outlives the benchmark that started it.</summary>
internal static class StorageNodeMain
{
    public const string Mode = "storage-node";
    public const string ReadyPrefix = "READY ";

    public static async Task<int> RunAsync(string[] args)
    {
        int at = Array.IndexOf(args, "--data-dir");
        if (at < 0 || at + 1 >= args.Length)
        {
            await Console.Error.WriteLineAsync("usage: storage-node --data-dir DIR");
            return 2;
        }
        var options = new DataMeshOptions
        {
            Network = new NetworkOptions { ListenAddresses = ["/ip4/127.0.0.1/tcp/0"] },
            Storage = new StorageOptions { DataDir = args[at + 1], MaxStorageBytes = 64L * 1024 * 1024 * 1024 },
        };
        await using DataMeshNode node = await DataMeshNode.StartAsync(options, new NodeStartOptions { StorageEnabled = true });
        Console.WriteLine($"{ReadyPrefix}{node.PeerId} {node.ListenAddresses[0]}");
        await Console.Out.FlushAsync();
        await Console.In.ReadToEndAsync();
        return 0;
    }
}
