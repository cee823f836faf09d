using System.IO.Pipelines;

namespace DataMesh.Libp2p.Tests.TestSupport;

/// <summary>Two connected in-memory <see cref="IDuplexPipe"/> ends: what one writes, the other reads.</summary>
internal sealed class DuplexPipePair
{
    public DuplexPipePair(PipeOptions? options = null)
    {
        var aToB = new Pipe(options ?? PipeOptions.Default);
        var bToA = new Pipe(options ?? PipeOptions.Default);
        A = new DuplexPipe(bToA.Reader, aToB.Writer);
        B = new DuplexPipe(aToB.Reader, bToA.Writer);
    }

    public IDuplexPipe A { get; }

    public IDuplexPipe B { get; }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
