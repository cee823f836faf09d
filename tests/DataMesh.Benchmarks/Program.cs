using BenchmarkDotNet.Running;

// Entry point for micro-benchmarks (BenchmarkDotNet) and scenario benchmarks.
// `dotnet run -c Release --project tests/DataMesh.Benchmarks -- <suite>`; build.ps1 bench drives it.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
