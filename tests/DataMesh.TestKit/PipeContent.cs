using System.Buffers;
using System.IO.Pipelines;

namespace DataMesh.TestKit;

/// <summary>Reads what a pipe carries, for asserting on it.</summary>
public static class PipeContent
{
    /// <summary>Everything <paramref name="reader"/> yields until its writer completes.</summary>
    public static async Task<byte[]> ReadToEndAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var all = new ArrayBufferWriter<byte>();
        while (true)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken);
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                all.Write(segment.Span);
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return all.WrittenSpan.ToArray();
            }
        }
    }
}
