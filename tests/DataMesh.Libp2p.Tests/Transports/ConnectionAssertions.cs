using System.Buffers;
using System.IO.Pipelines;
using DataMesh.Libp2p.Transports;

namespace DataMesh.Libp2p.Tests.Transports;

internal static class ConnectionAssertions
{
    /// <summary>Sends a message each way, half-closing after each, and checks both arrive intact.</summary>
    public static async Task ExchangeAsync(IRawConnection dialer, IRawConnection listener, CancellationToken cancellationToken)
    {
        byte[] request = [.. Enumerable.Range(0, 100_000).Select(i => (byte)i)];
        byte[] response = [.. Enumerable.Range(0, 50_000).Select(i => (byte)(i * 7))];

        Task<byte[]> received = ReadToEndAsync(listener.Input, cancellationToken);
        await dialer.Output.WriteAsync(request, cancellationToken);
        await dialer.Output.CompleteAsync();
        Assert.Equal(request, await received);

        Task<byte[]> answered = ReadToEndAsync(dialer.Input, cancellationToken);
        await listener.Output.WriteAsync(response, cancellationToken);
        await listener.Output.CompleteAsync();
        Assert.Equal(response, await answered);
    }

    public static async Task<byte[]> ReadToEndAsync(PipeReader reader, CancellationToken cancellationToken)
    {
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
