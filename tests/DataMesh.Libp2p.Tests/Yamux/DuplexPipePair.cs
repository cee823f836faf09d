using System.IO.Pipelines;

namespace DataMesh.Libp2p.Tests.Yamux;

/// <summary>Two crossed in-memory pipes: what one end writes, the other reads. A stand-in for a connection.</summary>
internal static class DuplexPipePair
{
    public static (IDuplexPipe First, IDuplexPipe Second) Create(PipeOptions? options = null)
    {
        var forward = new Pipe(options ?? PipeOptions.Default);
        var backward = new Pipe(options ?? PipeOptions.Default);
        return (new Duplex(backward.Reader, forward.Writer), new Duplex(forward.Reader, backward.Writer));
    }

    private sealed record Duplex(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
