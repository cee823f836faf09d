using BenchmarkDotNet.Running;
using DataMesh.Benchmarks.Erasure;
using DataMesh.Benchmarks.Kad;

// Entry point for micro-benchmarks (BenchmarkDotNet) and scenario benchmarks.
// `dotnet run -c Release --project tests/DataMesh.Benchmarks -- <suite>`; build.ps1 bench drives it.
// `-- erasure [BenchmarkDotNet options]` runs the Reed-Solomon suite without the interactive prompt.
if (args.Length > 0 && args[0] == "erasure")
{
    string[] options = args[1..];
    if (!options.Contains("--filter"))
    {
        options = [.. options, "--filter", "*"];
    }

    BenchmarkSwitcher.FromTypes([typeof(ReedSolomonBenchmarks)]).Run(options);
    return;
}

// `-- kad-sim [--nodes N --latency-ms L ...]` and `-- kad-loopback`: Kademlia scenarios (docs/kademlia.md).
if (args.Length > 0 && args[0] == "kad-sim")
{
    await KadSimulation.RunAsync(args[1..]);
    return;
}

if (args.Length > 0 && args[0] == "kad-loopback")
{
    await KadLoopback.RunAsync(args[1..]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
