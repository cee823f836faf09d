using System.Buffers;
using System.IO.Pipelines;
using DataMesh.Libp2p.Yamux;

namespace DataMesh.Libp2p.Tests.Yamux;

/// <summary>The far end of a session's connection driven frame by frame, to send what a real peer would not.</summary>
internal sealed class RawYamuxPeer
{
    private readonly IDuplexPipe _pipe;

    public RawYamuxPeer(IDuplexPipe pipe) => _pipe = pipe;

    public async Task SendAsync(YamuxFrameType type, YamuxFrameFlags flags, uint streamId, uint length, byte[]? payload = null)
    {
        new YamuxFrameHeader(type, flags, streamId, length).WriteTo(_pipe.Output);
        if (payload is not null)
        {
            _pipe.Output.Write(payload);
        }

        await _pipe.Output.FlushAsync();
    }

    public async Task SendRawAsync(byte[] bytes) => await _pipe.Output.WriteAsync(bytes);

    public void CompleteOutput() => _pipe.Output.Complete();

    /// <summary>Reads frames (dropping payloads) until one matches; null when the connection ends first.</summary>
    public async Task<YamuxFrameHeader?> ReadUntilAsync(Func<YamuxFrameHeader, bool> match, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await _pipe.Input.ReadAsync(cancellationToken);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (YamuxFrameHeader.TryParse(buffer, out YamuxFrameHeader header))
            {
                long frameLength = YamuxFrameHeader.Size + (header.Type == YamuxFrameType.Data ? header.Length : 0);
                if (buffer.Length >= frameLength)
                {
                    _pipe.Input.AdvanceTo(buffer.GetPosition(frameLength));
                    if (match(header))
                    {
                        return header;
                    }

                    continue;
                }
            }

            if (result.IsCompleted)
            {
                _pipe.Input.AdvanceTo(buffer.End);
                return null;
            }

            _pipe.Input.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
