using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DataMesh.Interop.Tests.Harness;

/// <summary>
/// A js-libp2p peer in its own node process (js/node.mjs), driven with JSON lines over stdin/stdout.
/// Commands may run concurrently; each reply is matched to its command by id. Disposal sends "stop", waits
/// briefly, then kills the process tree; the js process also exits by itself when its stdin closes or its
/// lifetime ends, so a crashed test run leaves nothing behind.
/// </summary>
public sealed partial class JsNode : IAsyncDisposable
{
    private const int MaxReplyChars = 64 * 1024 * 1024;
    private static readonly TimeSpan ReplyGrace = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(3);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Process _process;
    private readonly JsNodeOptions _options;
    private readonly OutputTail _stderr = new(maxLines: 200, maxLineChars: 4000);
    private readonly ConcurrentDictionary<long, PendingCommand> _pending = new();
    private readonly TaskCompletionSource<JsReadyLine> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Task _stdoutLoop;
    private readonly Task _stderrLoop;
    private volatile JsNodeException? _failure;
    private long _nextId;
    private int _disposed;
    private JsReadyLine? _readyLine;

    private JsNode(Process process, JsNodeOptions options)
    {
        _process = process;
        _options = options;
        _stdoutLoop = ReadStdoutAsync();
        _stderrLoop = ReadStderrAsync();
    }

    /// <summary>The node's peer id (base58btc).</summary>
    public string PeerId => Ready.PeerId;

    /// <summary>The node's listen multiaddrs, each ending in /p2p/&lt;peer id&gt;.</summary>
    public IReadOnlyList<string> Addresses => Ready.Addrs;

    /// <summary>The protocols the node handles (what it announces in identify).</summary>
    public IReadOnlyList<string> Protocols => Ready.Protocols;

    /// <summary>"Ed25519" or "secp256k1".</summary>
    public string KeyType => Ready.KeyType;

    public string AgentVersion => Ready.AgentVersion;

    public int ProcessId => _process.Id;

    /// <summary>The last lines of the node's stderr, for diagnostics.</summary>
    public string StandardErrorTail => _stderr.ToString();

    private JsReadyLine Ready => _readyLine ?? throw new InvalidOperationException("The js node has not started.");

    /// <summary>Starts a js node and waits for its ready line.</summary>
    public static async Task<JsNode> StartAsync(JsNodeOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new JsNodeOptions();
        await JsEnvironment.EnsureReadyAsync(cancellationToken);

        var startInfo = new ProcessStartInfo(JsEnvironment.NodeExecutable)
        {
            WorkingDirectory = JsEnvironment.JsDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in JsEnvironment.NodeArguments("node.mjs", options.ToArguments()))
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new JsNodeException($"Cannot start '{JsEnvironment.NodeExecutable}': {ex.Message}", ex);
        }

        var node = new JsNode(process, options);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.StartTimeout);
            node._readyLine = await node._ready.Task.WaitAsync(timeout.Token);
            return node;
        }
        catch (Exception ex) when (ex is OperationCanceledException or JsNodeException)
        {
            await node.DisposeAsync();
            cancellationToken.ThrowIfCancellationRequested();
            // a failure from the stdout loop already carries the stderr tail
            var reason = ex is JsNodeException
                ? ex.Message
                : $"no ready line within {options.StartTimeout.TotalSeconds:0} s.{Environment.NewLine}stderr:{Environment.NewLine}{node.StandardErrorTail}";
            throw new JsNodeException($"js node did not start: {reason}", ex);
        }
    }

    /// <summary>
    /// Sends any command and returns its "result". Typed methods wrap this; it is public so that a new js command
    /// can be used before it has a typed method. <paramref name="arguments"/> must not contain "id" or "cmd".
    /// </summary>
    public async Task<JsonElement> SendAsync(string command, JsonObject? arguments = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (arguments is not null && (arguments.ContainsKey("id") || arguments.ContainsKey("cmd")))
        {
            throw new ArgumentException("\"id\" and \"cmd\" are set by the harness.", nameof(arguments));
        }

        return await SendCoreAsync(command, arguments, timeout ?? _options.CommandTimeout, ReplyGrace, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_failure is null && _readyLine is not null)
        {
            try
            {
                await SendCoreAsync("stop", null, StopGrace, TimeSpan.Zero, CancellationToken.None);
            }
            catch (JsNodeException)
            {
                // the node is going away either way
            }
        }

        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // stdin is already broken because the process is gone
        }

        using (var wait = new CancellationTokenSource(StopGrace))
        {
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                ChildProcess.KillTree(_process);
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }

        await _stdoutLoop;
        await _stderrLoop;
        _process.Dispose();
        _writeGate.Dispose();
    }

    // The js side aborts the command after `timeout`; the harness waits `grace` longer for that error reply.
    private async Task<JsonElement> SendCoreAsync(string command, JsonObject? arguments, TimeSpan timeout, TimeSpan grace, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["cmd"] = command, ["timeoutMs"] = (long)timeout.TotalMilliseconds };
        foreach (var (name, value) in arguments ?? [])
        {
            message[name] = value?.DeepClone();
        }

        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = new PendingCommand(command, reply);
        try
        {
            // the stdout loop may have failed everything pending just before this command was added
            if (_failure is { } failure)
            {
                throw failure;
            }

            await WriteLineAsync(message.ToJsonString(), cancellationToken);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(timeout + grace);
            try
            {
                return await reply.Task.WaitAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new JsNodeException($"js node {PeerIdOrPid} sent no reply to '{command}' within {(timeout + grace).TotalSeconds:0.#} s.");
            }
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private string PeerIdOrPid => _readyLine?.PeerId ?? $"(pid {_process.Id})";

    private async Task WriteLineAsync(string line, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await _process.StandardInput.WriteAsync(line.AsMemory(), cancellationToken);
            await _process.StandardInput.WriteAsync("\n".AsMemory(), cancellationToken);
            await _process.StandardInput.FlushAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            // The stdin write can notice a dead process before the stdout loop records why it ended: say how it
            // exited either way.
            throw _failure ?? new JsNodeException($"js node {PeerIdOrPid} is gone (stdin closed){await ExitDescriptionAsync()}: {ex.Message}", ex);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task ReadStdoutAsync()
    {
        // every path out of this loop ends the node: record why, then fail the start and all pending commands
        string reason;
        try
        {
            var reader = new BoundedLineReader(_process.StandardOutput, MaxReplyChars);
            while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
            {
                HandleStdoutLine(line);
            }

            reason = "closed its stdout";
        }
        catch (Exception ex)
        {
            // unreadable output (too long a line, a malformed ready line, a broken pipe) ends the node too
            reason = $"broke the stdout protocol ({ex.GetType().Name}: {ex.Message})";
            ChildProcess.KillTree(_process);
        }

        var exit = await ExitDescriptionAsync();
        var failure = new JsNodeException($"js node {PeerIdOrPid} {reason}{exit}.{Environment.NewLine}stderr:{Environment.NewLine}{_stderr}");
        _failure = failure;
        _ready.TrySetException(failure);
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var pending))
            {
                pending.Reply.TrySetException(failure);
            }
        }
    }

    private async Task<string> ExitDescriptionAsync()
    {
        using var wait = new CancellationTokenSource(StopGrace);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
            return $" and exited with code {_process.ExitCode}";
        }
        catch (OperationCanceledException)
        {
            return " but is still running";
        }
    }

    private void HandleStdoutLine(string line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException)
        {
            // something in the js process printed to stdout; keep it visible, it is not a reply
            _stderr.Add("[stdout] " + line);
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                _stderr.Add("[stdout] " + line);
            }
            else if (root.TryGetProperty("event", out var evt) && evt.ValueEquals("ready"))
            {
                _ready.TrySetResult(root.Deserialize<JsReadyLine>(Json) ?? throw new JsNodeException("empty ready line"));
            }
            else if (root.TryGetProperty("id", out var idElement) && idElement.TryGetInt64(out var id) && _pending.TryRemove(id, out var pending))
            {
                if (root.TryGetProperty("error", out var error))
                {
                    pending.Reply.TrySetException(new JsNodeCommandException(pending.Command, error.GetString() ?? "(no message)"));
                }
                else
                {
                    pending.Reply.TrySetResult(root.TryGetProperty("result", out var result) ? result.Clone() : default);
                }
            }
            else
            {
                // a reply to a command nobody waits for any more, or to an unparseable line
                _stderr.Add("[stdout] " + line);
            }
        }
    }

    private async Task ReadStderrAsync()
    {
        try
        {
            var reader = new BoundedLineReader(_process.StandardError, 64 * 1024);
            while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
            {
                _stderr.Add(line);
                try
                {
                    _options.StandardErrorLine?.Invoke(line);
                }
                catch (InvalidOperationException)
                {
                    // a test output helper refuses lines after its test has finished
                }
            }
        }
        catch (Exception ex) when (ex is IOException or JsNodeException)
        {
            _stderr.Add($"[harness] stderr broke: {ex.Message}");
        }
    }

    private sealed record PendingCommand(string Command, TaskCompletionSource<JsonElement> Reply);
}
