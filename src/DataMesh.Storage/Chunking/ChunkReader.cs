using DataMesh.Storage.Io;

namespace DataMesh.Storage.Chunking;

/// <summary>Cuts a stream into fixed-size chunks (see <see cref="StripeLayout"/>), each in its own pooled buffer
/// handed to the caller (<see cref="Chunk"/>). Reads one chunk ahead so it can flag the last one; holds at most that
/// one buffer itself. Not thread-safe: one consumer calls <see cref="ReadNextAsync"/> at a time.</summary>
internal sealed class ChunkReader : IDisposable
{
    private readonly Stream _input;
    private readonly int _chunkSize;
    private readonly int _trailingCapacity;
    private Chunk? _ahead;
    private long _nextIndex;
    private bool _started;
    private bool _ended;

    /// <param name="input">Read from its current position to its end; not disposed by the reader.</param>
    /// <param name="chunkSize">Plaintext bytes per chunk, within <see cref="ChunkSizes"/> bounds.</param>
    /// <param name="trailingCapacity">Extra bytes each chunk buffer has past the chunk size, for in-place transforms.</param>
    public ChunkReader(Stream input, int chunkSize, int trailingCapacity = 0)
    {
        ArgumentNullException.ThrowIfNull(input);
        ChunkSizes.Validate(chunkSize);
        ArgumentOutOfRangeException.ThrowIfNegative(trailingCapacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(trailingCapacity, ChunkSizes.Max);
        _input = input;
        _chunkSize = chunkSize;
        _trailingCapacity = trailingCapacity;
    }

    /// <summary>Plaintext bytes read from the stream so far (including the chunk read ahead).</summary>
    public long BytesRead { get; private set; }

    /// <summary>The next chunk, which the caller now owns, or null at the end of the stream. An empty stream yields
    /// one empty chunk (see <see cref="StripeLayout"/>).</summary>
    public async ValueTask<Chunk?> ReadNextAsync(CancellationToken cancellationToken)
    {
        if (!_started)
        {
            _started = true;
            _ahead = await ReadOneAsync(cancellationToken).ConfigureAwait(false);
        }
        Chunk? current = _ahead;
        if (current is null)
        {
            return null;
        }
        _ahead = null;
        try
        {
            _ahead = await ReadOneAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            current.Dispose();
            throw;
        }
        current.IsLast = _ahead is null;
        return current;
    }

    private async ValueTask<Chunk?> ReadOneAsync(CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return null;
        }
        int capacity = _chunkSize + _trailingCapacity;
        AlignedBuffer buffer = AlignedBufferPool.Shared.Rent(capacity);
        Memory<byte> memory = buffer.Memory;
        try
        {
            int filled = 0;
            while (filled < _chunkSize)
            {
                int read = await _input.ReadAsync(memory[filled.._chunkSize], cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    _ended = true;
                    break;
                }
                filled += read;
            }
            if (filled == 0 && _nextIndex > 0)
            {
                buffer.Dispose();
                return null;
            }
            Chunk chunk = new(buffer, _nextIndex, BytesRead, filled, capacity);
            _nextIndex++;
            BytesRead += filled;
            return chunk;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>Returns the read-ahead buffer, if any.</summary>
    public void Dispose()
    {
        _ahead?.Dispose();
        _ahead = null;
    }
}
