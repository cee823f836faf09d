using BenchmarkDotNet.Running;
using DataMesh.Benchmarks.Erasure;

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

// `-- pipeline --size 1GiB [...]` runs the encode/decode scenario (see Pipeline/PipelineScenario.cs).
if (args.Length > 0 && args[0] == "pipeline")
{
    Environment.ExitCode = await DataMesh.Benchmarks.Pipeline.PipelineScenario.RunAsync(args[1..]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
