using BenchmarkDotNet.Attributes;
using DataMesh.Libp2p.Identity;
using DataMesh.Libp2p.Noise;
using DataMesh.TestKit;

namespace DataMesh.Benchmarks;

/// <summary>
/// One-direction throughput of a Noise channel pair over in-memory pipes: encrypt, frame, decrypt, deliver.
/// Run: dotnet run -c Release --project tests/DataMesh.Benchmarks -- --filter *NoiseChannel* --job short
/// </summary>
[MemoryDiagnoser]
public class NoiseChannelBenchmarks
{
    private const int TransferBytes = 64 * 1024 * 1024;
    private const int WriteSize = 256 * 1024;

    private readonly byte[] _chunk = new byte[WriteSize];
    private readonly byte[] _frame = new byte[NoiseChannel.MaxFrameLength];
    private NoiseHandshakeResult? _baselineKeys;
    private NoiseCipherState? _baselineCipher;
    private Identity? _alice;
    private Identity? _bob;
    private NoiseChannel? _client;
    private NoiseChannel? _server;

    [GlobalSetup]
    public void Setup()
    {
        Random.Shared.NextBytes(_chunk);
        _alice = Identity.Generate();
        _bob = Identity.Generate();
        var pipes = new DuplexPipePair();
        var inbound = NoiseUpgrader.SecureInboundAsync(pipes.B, _bob, CancellationToken.None);
        _client = NoiseUpgrader.SecureOutboundAsync(pipes.A, _alice, null, CancellationToken.None).GetAwaiter().GetResult();
        _server = inbound.GetAwaiter().GetResult();

        using var initiator = new NoiseHandshake(true, _alice);
        using var responder = new NoiseHandshake(false, _bob);
        var message = new System.Buffers.ArrayBufferWriter<byte>();
        initiator.WriteMessage(message);
        responder.ReadMessage(message.WrittenSpan);
        message.Clear();
        responder.WriteMessage(message);
        initiator.ReadMessage(message.WrittenSpan);
        message.Clear();
        initiator.WriteMessage(message);
        _baselineKeys = initiator.GetResult();
        _baselineCipher = _baselineKeys.Sender;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client!.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server!.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _baselineKeys!.Dispose();
        _alice!.Dispose();
        _bob!.Dispose();
    }

    /// <summary>Moves 64 MiB from client to server; MB/s = 64 MiB / mean time.</summary>
    [Benchmark]
    public async Task Transfer64MiB()
    {
        var send = SendAsync();
        var input = _server!.Input;
        long received = 0;
        while (received < TransferBytes)
        {
            var result = await input.ReadAsync();
            received += result.Buffer.Length;
            input.AdvanceTo(result.Buffer.End);
        }
        await send;
    }

    /// <summary>Baseline: the AEAD alone over the same 64 MiB in full-size frames (single thread, no pipes).</summary>
    [Benchmark(Baseline = true)]
    public void EncryptOnly64MiB()
    {
        var plaintext = _frame.AsSpan(0, NoiseChannel.MaxPlaintextLength);
        for (long done = 0; done < TransferBytes; done += NoiseChannel.MaxPlaintextLength)
        {
            _baselineCipher!.Encrypt(plaintext, _frame);
        }
    }

    private async Task SendAsync()
    {
        var output = _client!.Output;
        for (var sent = 0; sent < TransferBytes; sent += WriteSize)
        {
            await output.WriteAsync(_chunk);
        }
    }
}
