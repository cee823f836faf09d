using System.Buffers;

namespace DataMesh.Libp2p.Tests.TestSupport;

/// <summary>Builds multi-segment sequences to exercise parsers across segment boundaries.</summary>
internal static class Segments
{
    public static ReadOnlySequence<byte> Create(params byte[][] parts)
    {
        if (parts.Length == 1)
        {
            return new ReadOnlySequence<byte>(parts[0]);
        }
        var first = new Segment(parts[0], 0);
        var last = first;
        for (var i = 1; i < parts.Length; i++)
        {
            last = last.Append(parts[i]);
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
