using DataMesh.Storage.Addressing;
using DataMesh.Storage.Crypto;

namespace DataMesh.Storage.Tests.Crypto;

public class ChunkCipherTests
{
    private static readonly byte[] FileA = FileId.Generate().ToArray();
    private static readonly byte[] FileB = FileId.Generate().ToArray();

    private static byte[] Plaintext(int length, int seed = 1)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static byte[] Seal(FileKey key, byte[] fileId, long index, bool isLast, byte[] plaintext)
    {
        var sealedChunk = new byte[ChunkCipher.SealedLength(plaintext.Length)];
        Assert.Equal(sealedChunk.Length, ChunkCipher.Seal(key, fileId, index, isLast, plaintext, sealedChunk));
        return sealedChunk;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(100_003)]
    public void Seal_then_open_round_trips(int length)
    {
        using var key = FileKey.Generate();
        var plaintext = Plaintext(length);
        var sealedChunk = Seal(key, FileA, 3, false, plaintext);
        Assert.Equal(length + 16, ChunkCipher.SealedLength(length));
        Assert.False(length > 16 && sealedChunk.AsSpan(0, length).SequenceEqual(plaintext));

        var opened = new byte[length];
        Assert.Equal(length, ChunkCipher.Open(key, FileA, 3, false, sealedChunk, opened));
        Assert.Equal(plaintext, opened);
    }

    [Fact]
    public void FileId_overloads_match_span_overloads()
    {
        using var key = FileKey.Generate();
        var id = FileId.FromBytes(FileA);
        var plaintext = Plaintext(100);
        var sealedChunk = new byte[116];
        ChunkCipher.Seal(key, id, 0, true, plaintext, sealedChunk);
        var opened = new byte[100];
        ChunkCipher.Open(key, FileA, 0, true, sealedChunk, opened);
        Assert.Equal(plaintext, opened);
    }

    [Fact]
    public void Chunk_moved_to_another_position_is_rejected()
    {
        using var key = FileKey.Generate();
        var chunk0 = Seal(key, FileA, 0, false, Plaintext(64, 1));
        var chunk1 = Seal(key, FileA, 1, true, Plaintext(64, 2));
        var output = new byte[64];
        // Swapped order: chunk 1's bytes presented as chunk 0 and vice versa.
        Assert.Throws<ChunkAuthenticationException>(() => ChunkCipher.Open(key, FileA, 0, false, chunk1, output));
        Assert.Throws<ChunkAuthenticationException>(() => ChunkCipher.Open(key, FileA, 1, true, chunk0, output));
    }

    [Fact]
    public void Chunk_from_another_file_under_the_same_key_is_rejected()
    {
        using var key = FileKey.Generate();
        var chunk = Seal(key, FileA, 0, true, Plaintext(64));
        var ex = Assert.Throws<ChunkAuthenticationException>(() => ChunkCipher.Open(key, FileB, 0, true, chunk, new byte[64]));
        Assert.IsAssignableFrom<StorageException>(ex);
    }

    [Fact]
    public void Truncated_file_is_detected_by_the_last_chunk_flag()
    {
        using var key = FileKey.Generate();
        var middle = Seal(key, FileA, 1, isLast: false, Plaintext(64));
        // An attacker drops chunk 2 and claims chunk 1 is the end of the file.
        Assert.Throws<ChunkAuthenticationException>(() => ChunkCipher.Open(key, FileA, 1, isLast: true, middle, new byte[64]));
    }

    [Fact]
    public void Truncated_or_altered_bytes_are_rejected_and_output_is_cleared()
    {
        using var key = FileKey.Generate();
        var chunk = Seal(key, FileA, 5, false, Plaintext(200));
        var output = new byte[200];
        Assert.Throws<ChunkAuthenticationException>(() => ChunkCipher.Open(key, FileA, 5, false, chunk.AsSpan(0, chunk.Length - 1), output));
        Assert.Throws<ChunkAuthenticationException>(() => ChunkCipher.Open(key, FileA, 5, false, chunk.AsSpan(0, 10), output));
        for (int i = 0; i < chunk.Length; i += 37)
        {
            var altered = (byte[])chunk.Clone();
            altered[i] ^= 0x40;
            Array.Fill(output, (byte)0xAA);
            Assert.Throws<ChunkAuthenticationException>(() => ChunkCipher.Open(key, FileA, 5, false, altered, output));
            Assert.All(output, b => Assert.Equal(0, b));
        }
    }

    [Fact]
    public void Wrong_key_is_rejected_without_revealing_either_key()
    {
        using var right = FileKey.Generate();
        using var wrong = FileKey.Generate();
        var chunk = Seal(right, FileA, 0, true, Plaintext(64));
        var ex = Assert.Throws<ChunkAuthenticationException>(() => ChunkCipher.Open(wrong, FileA, 0, true, chunk, new byte[64]));
        SecretAssert.Absent(ex.ToString(), KeyBytes(right));
        SecretAssert.Absent(ex.ToString(), KeyBytes(wrong));
        Assert.Contains(Convert.ToHexStringLower(FileA), ex.Message);
    }

    [Fact]
    public void FileKey_never_prints_its_bytes_and_is_unusable_after_dispose()
    {
        var key = FileKey.Generate();
        var bytes = KeyBytes(key);
        Assert.Equal("FileKey([redacted])", key.ToString());
        SecretAssert.Absent(key.ToString(), bytes);
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => ChunkCipher.Seal(key, FileA, 0, true, new byte[1], new byte[17]));
    }

    [Fact]
    public void Generated_keys_differ()
    {
        using var a = FileKey.Generate();
        using var b = FileKey.Generate();
        Assert.NotEqual(KeyBytes(a), KeyBytes(b));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        using var key = FileKey.Generate();
        Assert.Throws<ArgumentException>(() => ChunkCipher.Seal(key, new byte[15], 0, true, new byte[1], new byte[17]));
        Assert.Throws<ArgumentException>(() => ChunkCipher.Seal(key, FileA, 0, true, new byte[10], new byte[25]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChunkCipher.Seal(key, FileA, -1, true, new byte[1], new byte[17]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChunkCipher.Seal(key, FileA, 0, true, new byte[ChunkCipher.MaxChunkLength + 1], new byte[ChunkCipher.MaxChunkLength + 17]));
        Assert.Throws<ChunkAuthenticationException>(() => ChunkCipher.Open(key, FileA, 0, true, new byte[ChunkCipher.MaxChunkLength + 17], new byte[ChunkCipher.MaxChunkLength + 1]));
    }

    [Fact]
    public void Steady_state_sealing_and_opening_allocate_nothing()
    {
        using var key = FileKey.Generate();
        var plaintext = Plaintext(4096);
        var sealedChunk = new byte[4096 + 16];
        var opened = new byte[4096];
        ChunkCipher.Seal(key, FileA, 0, false, plaintext, sealedChunk);
        ChunkCipher.Open(key, FileA, 0, false, sealedChunk, opened);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            ChunkCipher.Seal(key, FileA, i, false, plaintext, sealedChunk);
            ChunkCipher.Open(key, FileA, i, false, sealedChunk, opened);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task Concurrent_use_of_one_key_is_safe()
    {
        using var key = FileKey.Generate();
        var tasks = Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            var plaintext = Plaintext(1024, worker);
            var sealedChunk = new byte[1040];
            var opened = new byte[1024];
            for (int i = 0; i < 200; i++)
            {
                long index = worker * 1000 + i;
                ChunkCipher.Seal(key, FileA, index, false, plaintext, sealedChunk);
                ChunkCipher.Open(key, FileA, index, false, sealedChunk, opened);
                Assert.Equal(plaintext, opened);
            }
        }));
        await Task.WhenAll(tasks);
    }

    internal static byte[] KeyBytes(FileKey key)
    {
        var bytes = new byte[FileKey.Size];
        key.CopyTo(bytes);
        return bytes;
    }
}
