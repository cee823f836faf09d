using BenchmarkDotNet.Running;
using DataMesh.Benchmarks.Transfers;

// Entry point for micro-benchmarks (BenchmarkDotNet) and scenario benchmarks.
// `dotnet run -c Release --project tests/DataMesh.Benchmarks -- <suite>`; build.ps1 bench drives it.
if (args is ["transfer-sim", .. var simulationArgs])
{
    return await TransferSimulation.RunAsync(simulationArgs);
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
