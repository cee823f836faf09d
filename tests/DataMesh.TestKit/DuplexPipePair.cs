using System.IO.Pipelines;

namespace DataMesh.TestKit;

/// <summary>Two connected in-memory <see cref="IDuplexPipe"/> ends, a stand-in for a connection: what one writes, the
/// other reads.</summary>
public sealed class DuplexPipePair
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

    /// <summary>Both ends of a new pair, for a deconstructing declaration.</summary>
    public static (IDuplexPipe First, IDuplexPipe Second) Create(PipeOptions? options = null)
    {
        var pair = new DuplexPipePair(options);
        return (pair.A, pair.B);
    }

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
