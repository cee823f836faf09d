using System.Diagnostics;
using System.Net;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Multiformats;

namespace DataMesh.Benchmarks.Net;

/// <summary>A storage node running as a child process (the benchmark exe in <see cref="StorageNodeMain.Mode"/>).
/// Disposing closes its standard input, which stops it; <see cref="Kill"/> ends it the hard way, as a crash would.</summary>
internal sealed class StorageNodeProcess : IAsyncDisposable
{
    private const int KeptErrorLines = 20;
    private readonly Process _process;
    private readonly Queue<string> _errors;
    private readonly Task _stderr;
    private readonly Task _stdout;

    private StorageNodeProcess(Process process, Queue<string> errors, Task stderr, PeerId peerId, Multiaddr address)
    {
        _process = process;
        _errors = errors;
        _stderr = stderr;
        _stdout = DrainAsync(process.StandardOutput, null);
        PeerId = peerId;
        Address = address;
        ProcessId = process.Id;
    }

    public PeerId PeerId { get; }

    /// <summary>Where the node listens (127.0.0.1 and its port), without /p2p/.</summary>
    public Multiaddr Address { get; }

    public int ProcessId { get; }

    public IPEndPoint EndPoint => Address.TryGetTcpEndPoint(out EndPoint? endPoint) && endPoint is IPEndPoint ip
        ? ip
        : throw new InvalidOperationException($"{Address} is not a TCP address.");

    public bool HasExited => _process.HasExited;

    /// <summary>Peak resident set so far (VmHWM), while the process runs.</summary>
    public double? PeakRssMiB => MachineInfo.PeakRssMiB(ProcessId);

    public static async Task<StorageNodeProcess> StartAsync(string dataDir, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? throw new InvalidOperationException("The benchmark's own path is unknown."))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
        {
            start.ArgumentList.Add(typeof(StorageNodeMain).Assembly.Location);
        }
        foreach (string argument in new[] { StorageNodeMain.Mode, "--data-dir", dataDir })
        {
            start.ArgumentList.Add(argument);
        }
        Process process = Process.Start(start) ?? throw new InvalidOperationException("The storage node process did not start.");
        var errors = new Queue<string>();
        Task stderr = DrainAsync(process.StandardError, errors);
        try
        {
            using var ready = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            ready.CancelAfter(TimeSpan.FromSeconds(60));
            while (true)
            {
                string? line = await process.StandardOutput.ReadLineAsync(ready.Token);
                if (line is null)
                {
                    await process.WaitForExitAsync(ready.Token);
                    await stderr;
                    throw new InvalidOperationException($"The storage node exited before it was ready: {string.Join(Environment.NewLine, errors)}");
                }
                if (line.StartsWith(StorageNodeMain.ReadyPrefix, StringComparison.Ordinal))
                {
                    string[] parts = line[StorageNodeMain.ReadyPrefix.Length..].Split(' ');
                    return new StorageNodeProcess(process, errors, stderr, PeerId.Parse(parts[0]), Multiaddr.Parse(parts[1]));
                }
            }
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            await stderr;
            process.Dispose();
            throw;
        }
    }

    /// <summary>Ends the process at once (SIGKILL): its sockets close as the kernel tears it down.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public string RecentErrors()
    {
        lock (_errors)
        {
            return string.Join(Environment.NewLine, _errors);
        }
    }

    // Keeps a pipe from filling until the process ends; stderr's last lines are kept for a failure report.
    private static async Task DrainAsync(StreamReader reader, Queue<string>? kept)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            if (kept is null)
            {
                continue;
            }
            lock (kept)
            {
                kept.Enqueue(line);
                while (kept.Count > KeptErrorLines)
                {
                    kept.Dequeue();
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close();
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                try
                {
                    await _process.WaitForExitAsync(grace.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync(CancellationToken.None);
                }
            }
        }
        finally
        {
            await Task.WhenAll(_stdout, _stderr);
            _process.Dispose();
        }
    }
}
