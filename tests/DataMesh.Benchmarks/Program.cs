using BenchmarkDotNet.Running;
using DataMesh.Benchmarks.Erasure;
using DataMesh.Benchmarks.Kad;
using DataMesh.Benchmarks.Transfers;

// Entry point for micro-benchmarks (BenchmarkDotNet) and scenario benchmarks.
// `dotnet run -c Release --project tests/DataMesh.Benchmarks -- <suite>`; build.ps1 bench drives it.
// `-- erasure [BenchmarkDotNet options]` runs the Reed-Solomon suite without the interactive prompt.
// `-- transfer-sim [options]` runs the chunk-manager scenario over a simulated network.
if (args.Length > 0 && args[0] == "erasure")
{
    string[] options = args[1..];
    if (!options.Contains("--filter"))
    {
        options = [.. options, "--filter", "*"];
    }

    BenchmarkSwitcher.FromTypes([typeof(ReedSolomonBenchmarks)]).Run(options);
    return 0;
}
if (args is ["transfer-sim", .. var simulationArgs])
{
    return await TransferSimulation.RunAsync(simulationArgs);
}
// `-- pipeline --size 1GiB [...]` runs the encode/decode scenario (see Pipeline/PipelineScenario.cs).
if (args is ["pipeline", .. var pipelineArgs])
{
    return await DataMesh.Benchmarks.Pipeline.PipelineScenario.RunAsync(pipelineArgs);
}
// `-- libp2p-stream [--size-mib N --runs N --idle-connections N]`: stream throughput beside js-libp2p, idle memory.
if (args is ["libp2p-stream", .. var streamArgs])
{
    return await DataMesh.Benchmarks.Libp2p.StreamThroughputScenario.RunAsync(streamArgs);
}
// `-- kad-sim [--nodes N --latency-ms L ...]` and `-- kad-loopback`: Kademlia scenarios (docs/kademlia.md).
if (args is ["kad-sim", .. var kadSimArgs])
{
    await KadSimulation.RunAsync(kadSimArgs);
    return 0;
}
if (args is ["kad-loopback", .. var kadLoopbackArgs])
{
    await KadLoopback.RunAsync(kadLoopbackArgs);
    return 0;
}
// `-- wan`, `-- loopback`, `-- faults`: real nodes (storage nodes in child processes) over TCP; see Net/.
if (args is ["wan", .. var wanArgs])
{
    return await DataMesh.Benchmarks.Net.WanScenario.RunAsync(wanArgs);
}
if (args is ["loopback", .. var loopbackArgs])
{
    return await DataMesh.Benchmarks.Net.LoopbackScenario.RunAsync(loopbackArgs);
}
if (args is ["faults", .. var faultArgs])
{
    return await DataMesh.Benchmarks.Net.FaultsScenario.RunAsync(faultArgs);
}
// The benchmark exe re-launched as one storage node by the scenarios above (not meant to be run by hand).
if (args is [DataMesh.Benchmarks.Net.StorageNodeMain.Mode, .. var nodeArgs])
{
    return await DataMesh.Benchmarks.Net.StorageNodeMain.RunAsync(nodeArgs);
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
