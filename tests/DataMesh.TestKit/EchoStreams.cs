using DataMesh.Libp2p.Host;

namespace DataMesh.TestKit;

/// <summary>The echo protocol both host test suites serve (Libp2p unit tests and the js interop tests): the
/// handler, and a client that writes while it reads so a payload larger than the flow-control window never stalls.</summary>
public static class EchoStreams
{
    /// <summary>Copies everything read back to the writer, then half-closes.</summary>
    public static async Task EchoAsync(Libp2pStream stream, CancellationToken cancellationToken)
    {
        await stream.Input.CopyToAsync(stream.Output, cancellationToken);
        await stream.CloseWriteAsync(cancellationToken);
    }

    /// <summary>Writes <paramref name="data"/> on the stream while reading the echo back; returns what came back.</summary>
    public static async Task<byte[]> EchoThroughAsync(Libp2pStream stream, byte[] data, CancellationToken cancellationToken)
    {
        Task writer = Task.Run(async () =>
        {
            for (int offset = 0; offset < data.Length; offset += 64 * 1024)
            {
                await stream.Output.WriteAsync(data.AsMemory(offset, Math.Min(64 * 1024, data.Length - offset)), cancellationToken);
            }
            await stream.CloseWriteAsync(cancellationToken);
        }, cancellationToken);
        byte[] received = await PipeContent.ReadToEndAsync(stream.Input, cancellationToken);
        await writer;
        return received;
    }
}
