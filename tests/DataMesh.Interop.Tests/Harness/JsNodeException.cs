namespace DataMesh.Interop.Tests.Harness;

/// <summary>The JavaScript side could not be set up, or a js node process failed (did not start, exited, broke the protocol).</summary>
public class JsNodeException : Exception
{
    public JsNodeException()
    {
    }

    public JsNodeException(string message)
        : base(message)
    {
    }

    public JsNodeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A js node answered a command with an error; the node itself is still running.</summary>
public sealed class JsNodeCommandException : JsNodeException
{
    public JsNodeCommandException()
    {
    }

    public JsNodeCommandException(string message)
        : base(message)
    {
    }

    public JsNodeCommandException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public JsNodeCommandException(string command, string remoteError)
        : base($"js node command '{command}' failed: {remoteError}")
    {
        Command = command;
        RemoteError = remoteError;
    }

    /// <summary>The command name, e.g. "ping".</summary>
    public string Command { get; } = string.Empty;

    /// <summary>The error text the js node sent back.</summary>
    public string RemoteError { get; } = string.Empty;
}
