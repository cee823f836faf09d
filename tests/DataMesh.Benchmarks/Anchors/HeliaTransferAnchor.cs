using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace DataMesh.Benchmarks.Anchors;

/// <summary>What helia-transfer.mjs reported: add rate on the provider, transfer rate to the fetcher (MB = 10^6
/// bytes), peak RSS of both processes.</summary>
public sealed record HeliaTransferResult(int SizeMiB, double AddMbPerSec, double TransferMbPerSec, double TransferSeconds,
    double ReceiverMaxRssMiB, double ProviderMaxRssMiB, string Line);

/// <summary>
/// Helia (IPFS in JS) moving a file between two processes, from the shared anchors folder
/// (/work/shared/anchors/helia-transfer.mjs, read-only): the folder is copied to a temporary place, its exact
/// packages installed there (npm ci), the script run with SIZE_MIB, its RESULT line parsed, the copy removed.
/// </summary>
public static partial class HeliaTransferAnchor
{
    public static async Task<HeliaTransferResult> RunAsync(string anchorsDir, int sizeMiB, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(anchorsDir, "helia-transfer.mjs")))
        {
            throw new AnchorException($"{anchorsDir}/helia-transfer.mjs was not found (pass --anchors DIR).");
        }
        string work = Path.Combine(Path.GetTempPath(), $"datamesh-helia-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(work);
            foreach (string file in Directory.EnumerateFiles(anchorsDir))
            {
                File.Copy(file, Path.Combine(work, Path.GetFileName(file)), overwrite: true);
            }
            (int npm, string npmOutput) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], work, [], TimeSpan.FromMinutes(10), cancellationToken);
            if (npm != 0)
            {
                throw new AnchorException($"npm ci in {work} failed with exit code {npm}: {npmOutput}");
            }
            (int exit, string output) = await RunAsync("node", ["--import", "./poly.mjs", "helia-transfer.mjs"], work,
                [("SIZE_MIB", sizeMiB.ToString(CultureInfo.InvariantCulture))], TimeSpan.FromMinutes(20), cancellationToken);
            string? line = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("RESULT helia", StringComparison.Ordinal));
            if (line is null || exit != 0)
            {
                throw new AnchorException($"helia-transfer.mjs gave no RESULT line (exit {exit}): {output}");
            }
            Match match = ResultPattern().Match(line);
            if (!match.Success)
            {
                throw new AnchorException($"helia-transfer.mjs did not transfer the file: {line}");
            }
            double Value(string name) => double.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture);
            return new HeliaTransferResult(sizeMiB, Value("add"), Value("transfer"), Value("time"), Value("rx"), Value("tx"), line);
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                Console.WriteLine($"note: could not remove {work}: {error.Message}");
            }
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory,
        IEnumerable<(string Name, string Value)> environment, TimeSpan limit, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception error)
        {
            throw new AnchorException($"Cannot start '{fileName}' ({error.Message}); the Helia anchor needs Node.js 20+ and npm on PATH.", error);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        Task<string> stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            string stdout = await process.StandardOutput.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, stdout + await stderr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            try
            {
                await stderr;
            }
            catch (OperationCanceledException)
            {
                // the limit also ended the stderr read
            }
            throw new AnchorException($"'{fileName}' did not finish within {limit.TotalMinutes:0} minutes.");
        }
    }

    [GeneratedRegex(@"add=(?<add>[0-9.]+)MB/s transfer=(?<transfer>[0-9.]+)MB/s transfer_time=(?<time>[0-9.]+)s .*receiver_maxRSS=(?<rx>[0-9.]+)MiB provider_proc_maxRSS=(?<tx>[0-9.]+)MiB")]
    private static partial Regex ResultPattern();
}
