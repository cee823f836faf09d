using System.Security.Cryptography;

namespace DataMesh.Benchmarks.Net;

/// <summary>Input files and the bit-exact check of what came back.</summary>
internal static class BenchFiles
{
    public const long MiB = 1024 * 1024;

    /// <summary>Writes <paramref name="sizeMiB"/> MiB of seeded random bytes (incompressible, reproducible).</summary>
    public static async Task<string> CreateRandomAsync(string path, int sizeMiB, CancellationToken cancellationToken)
    {
        var random = new Random(20261127);
        byte[] block = new byte[MiB];
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        for (int i = 0; i < sizeMiB; i++)
        {
            random.NextBytes(block);
            await file.WriteAsync(block, cancellationToken);
        }
        return path;
    }

    public static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken));
    }

    /// <summary>Removes a scenario's working folder; a failure to clean up is reported, not thrown.</summary>
    public static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            Console.WriteLine($"note: could not remove {directory}: {error.Message}");
        }
    }

    public static string NewWorkDir(string scenario)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"datamesh-bench-{scenario}-{Environment.ProcessId}");
        TryDelete(dir);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
