using DataMesh.Storage.Io;
using DataMesh.Storage.Tests.TestSupport;
using Microsoft.Win32.SafeHandles;

namespace DataMesh.Storage.Tests.Io;

public sealed class DirectIoTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Direct_io_can_be_switched_on_and_off_where_the_platform_has_it()
    {
        using SafeFileHandle handle = File.OpenHandle(_dir.Combine("f"), FileMode.CreateNew, FileAccess.ReadWrite);
        Assert.Equal(DirectIo.IsSupported, DirectIo.TrySet(handle, direct: true));
        Assert.Equal(DirectIo.IsSupported, DirectIo.TrySet(handle, direct: false));
    }

    public static TheoryData<int, long, bool> Writes => new()
    {
        { 4096, 0, true },
        { (3 * 4096) + 16, 0, true },          // aligned body direct, 16-byte tail buffered
        { (1 << 20) + 16, 1 << 20, true },     // a chunk-sized write at a chunk offset
        { 100, 0, true },                      // shorter than a block: all buffered
        { (2 * 4096) + 5, 4096, false },       // unaligned memory: body staged and written direct, tail buffered
        { (2 * 4096) + 5, 10, true },          // unaligned offset: all buffered
    };

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Writes_land_exactly_whatever_the_alignment(int length, long offset, bool alignedMemory)
    {
        string path = _dir.Combine("out");
        byte[] expected = TestData.Bytes(length, length);
        using (SafeFileHandle buffered = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite, FileOptions.Asynchronous))
        using (SafeFileHandle direct = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, FileOptions.Asynchronous))
        using (AlignedBuffer lease = AlignedBufferPool.Shared.Rent(length + 1))
        {
            bool isDirect = DirectIo.TrySet(direct, direct: true);
            Memory<byte> source = alignedMemory ? lease.Memory[..length] : lease.Memory[1..];
            expected.CopyTo(source);
            await DirectIo.WriteAsync(isDirect ? direct : null, buffered, source, offset, CancellationToken.None);
        }
        byte[] file = await File.ReadAllBytesAsync(path);
        Assert.Equal(offset + length, file.Length);
        Assert.True(file.AsSpan(0, (int)offset).IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal(expected, file[(int)offset..]);
    }

    [Fact]
    public void A_directory_sync_succeeds_on_a_folder_and_fails_clearly_on_a_missing_one()
    {
        DirectorySync.Flush(_dir.Path);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Throws<IOException>(() => DirectorySync.Flush(_dir.Combine("missing")));
        }
    }
}
