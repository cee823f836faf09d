using DataMesh.Libp2p.Transports;

namespace DataMesh.Libp2p.Tests.Transports;

internal static class ConnectionAssertions
{
    /// <summary>Sends a message each way, half-closing after each, and checks both arrive intact.</summary>
    public static async Task ExchangeAsync(IRawConnection dialer, IRawConnection listener, CancellationToken cancellationToken)
    {
        byte[] request = [.. Enumerable.Range(0, 100_000).Select(i => (byte)i)];
        byte[] response = [.. Enumerable.Range(0, 50_000).Select(i => (byte)(i * 7))];

        Task<byte[]> received = PipeContent.ReadToEndAsync(listener.Input, cancellationToken);
        await dialer.Output.WriteAsync(request, cancellationToken);
        await dialer.Output.CompleteAsync();
        Assert.Equal(request, await received);

        Task<byte[]> answered = PipeContent.ReadToEndAsync(dialer.Input, cancellationToken);
        await listener.Output.WriteAsync(response, cancellationToken);
        await listener.Output.CompleteAsync();
        Assert.Equal(response, await answered);
    }
}
