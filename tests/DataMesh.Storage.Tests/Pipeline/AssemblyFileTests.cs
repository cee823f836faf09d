using DataMesh.Storage.Io;
using DataMesh.Storage.Pipeline;
using DataMesh.Storage.Tests.TestSupport;

namespace DataMesh.Storage.Tests.Pipeline;

/// <summary>Chunks in memory that is not block-aligned (shards the node fetched into ordinary pooled arrays) are staged
/// through an aligned buffer for the direct body and written buffered for the tail; every split must land each byte
/// at its offset.</summary>
public sealed class AssemblyFileTests : IDisposable
{
    private const int ChunkSize = 64 * 1024;
    private readonly TempDirectory _dir = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));

    public void Dispose()
    {
        _timeout.Dispose();
        _dir.Dispose();
    }

    public static TheoryData<int, int> Cases => new()
    {
        { ChunkSize, 1 },                              // whole blocks only: all of it staged and direct
        { (3 * DirectIo.Alignment) + 1, 1 },           // one-byte tail after the staged body
        { ChunkSize - 1, 3 },                          // a body and a tail one byte short of a block
        { DirectIo.Alignment - 1, 1 },                 // shorter than a block: buffered only
        { ChunkSize, 0 },                              // aligned memory: direct without staging
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Chunks_from_unaligned_memory_land_at_their_offsets(int length, int misalignment)
    {
        string path = _dir.Combine("out.partial");
        const long fileLength = 4L * ChunkSize;
        byte[] expected = new byte[fileLength];
        using (AssemblyFile file = AssemblyFile.Create(path, fileLength, ChunkSize))
        {
            for (int chunk = 0; chunk < 4; chunk++)
            {
                int chunkLength = chunk == 3 ? length : ChunkSize; // the last chunk varies, as a file's last chunk does
                Memory<byte> data = AlignedSlice(chunkLength + DirectIo.Alignment + misalignment, misalignment, chunkLength);
                TestData.Bytes(chunkLength, seed: chunk).CopyTo(data);
                Assert.Equal(misalignment == 0, DirectIo.IsAligned(data));
                data.Span.CopyTo(expected.AsSpan(chunk * ChunkSize));
                await file.WriteAsync(data, (long)chunk * ChunkSize, _timeout.Token);
            }
        }
        // The file ends where the last write ended (the assembler sets the final length when it completes).
        Assert.Equal(expected.AsSpan(0, (3 * ChunkSize) + length).ToArray(), await File.ReadAllBytesAsync(path, _timeout.Token));
    }

    public static TheoryData<int, int, int> StripeCases => new()
    {
        { ChunkSize, ChunkSize, 1 },                      // whole chunks, unaligned memory: one staged vectored write
        { ChunkSize, (2 * DirectIo.Alignment) + 5, 1 },   // a short last chunk: its tail goes buffered
        { ChunkSize, ChunkSize - 1, 0 },                  // aligned memory, last chunk one byte short of the size
        { ChunkSize, 100, 1 },                            // a last chunk shorter than a block: chunk by chunk
        { ChunkSize - 100, ChunkSize - 100, 1 },          // chunks that are not whole blocks: chunk by chunk
    };

    [Theory]
    [MemberData(nameof(StripeCases))]
    public async Task A_stripes_chunks_written_together_land_at_their_offsets(int chunkLength, int lastLength, int misalignment)
    {
        string path = _dir.Combine("stripe.partial");
        var chunks = new ReadOnlyMemory<byte>[3];
        byte[] expected = new byte[(2 * chunkLength) + lastLength];
        for (int i = 0; i < chunks.Length; i++)
        {
            int length = i == chunks.Length - 1 ? lastLength : chunkLength;
            Memory<byte> chunk = AlignedSlice(length + DirectIo.Alignment + misalignment, misalignment, length);
            TestData.Bytes(length, seed: 10 + i).CopyTo(chunk);
            chunk.Span.CopyTo(expected.AsSpan(i * chunkLength));
            chunks[i] = chunk;
        }
        using (AssemblyFile file = AssemblyFile.Create(path, ChunkSize + expected.Length, ChunkSize))
        {
            // The stripe starts one chunk into the file, as every stripe but the first does.
            await file.WriteAsync(chunks, ChunkSize, _timeout.Token);
        }
        byte[] written = await File.ReadAllBytesAsync(path, _timeout.Token);
        Assert.Equal(ChunkSize + expected.Length, written.Length);
        Assert.Equal(expected, written.AsSpan(ChunkSize).ToArray());
    }

    [Fact]
    public async Task A_chunk_at_an_unaligned_offset_is_written_buffered_and_intact()
    {
        string path = _dir.Combine("odd.partial");
        byte[] data = TestData.Bytes(ChunkSize, seed: 7);
        using (AssemblyFile file = AssemblyFile.Create(path, ChunkSize + 100, ChunkSize))
        {
            await file.WriteAsync(data.AsMemory(1, ChunkSize - 1), 100, _timeout.Token);
        }
        byte[] written = await File.ReadAllBytesAsync(path, _timeout.Token);
        Assert.Equal(data.AsSpan(1, ChunkSize - 1).ToArray(), written.AsSpan(100, ChunkSize - 1).ToArray());
    }

    /// <summary>A slice starting <paramref name="misalignment"/> bytes past a block boundary, of an array on the pinned
    /// heap so the GC cannot move it between the alignment check and the write.</summary>
    private static Memory<byte> AlignedSlice(int arrayLength, int misalignment, int length)
    {
        byte[] array = GC.AllocateUninitializedArray<byte>(arrayLength, pinned: true);
        for (int start = 0; start < DirectIo.Alignment; start++)
        {
            Memory<byte> candidate = array.AsMemory(start);
            if (DirectIo.IsAligned(candidate))
            {
                return array.AsMemory(start + misalignment, length);
            }
        }
        throw new InvalidOperationException("No block boundary in the array.");
    }
}
