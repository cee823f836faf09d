using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace DataMesh.Interop.Tests.Harness;

/// <summary>Output of a short-lived child process that ran to completion.</summary>
public sealed record ChildProcessResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>Runs short-lived helper programs (node, npm) with a time limit; the tree is killed on timeout.</summary>
public static class ChildProcess
{
    /// <summary>Most a helper may print on one of its outputs before it is treated as broken.</summary>
    private const int MaxOutputChars = 4 * 1024 * 1024;

    public static async Task<ChildProcessResult> RunAsync(
        string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new JsNodeException($"Cannot start '{fileName}' ({ex.Message}). Is it installed and on PATH?", ex);
        }

        process.StandardInput.Close();
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        var stdout = ReadBoundedAsync(process.StandardOutput, timeoutSource.Token);
        var stderr = ReadBoundedAsync(process.StandardError, timeoutSource.Token);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token);
            return new ChildProcessResult(process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            await IgnoreFailureAsync(stdout);
            await IgnoreFailureAsync(stderr);
            cancellationToken.ThrowIfCancellationRequested();
            throw new JsNodeException($"'{fileName} {string.Join(' ', startInfo.ArgumentList)}' did not finish within {timeout.TotalSeconds:0} s and was killed.");
        }
    }

    internal static void KillTree(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // it exited between the check and the kill
        }
    }

    private static async Task IgnoreFailureAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or JsNodeException)
        {
            // the output of a killed process is of no further use
        }
    }

    private static async Task<string> ReadBoundedAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var buffer = new char[8192];
        int read;
        while ((read = await reader.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (text.Length + read > MaxOutputChars)
            {
                throw new JsNodeException($"A helper process wrote more than {MaxOutputChars} characters to one output.");
            }

            text.Append(buffer, 0, read);
        }

        return text.ToString();
    }
}
