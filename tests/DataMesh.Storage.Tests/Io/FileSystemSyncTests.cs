using DataMesh.Storage.Io;
using DataMesh.Storage.Tests.TestSupport;

namespace DataMesh.Storage.Tests.Io;

public sealed class FileSystemSyncTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Flushes_the_file_system_of_a_directory_where_supported()
    {
        using FileSystemSync? sync = FileSystemSync.TryOpen(_dir.Path);
        Assert.Equal(FileSystemSync.IsSupported, sync is not null);
        File.WriteAllBytes(_dir.Combine("f"), TestData.Bytes(10_000, 1));
        sync?.Flush();
    }

    [Fact]
    public void A_missing_directory_is_an_io_error()
    {
        if (!FileSystemSync.IsSupported)
        {
            Assert.Null(FileSystemSync.TryOpen(_dir.Combine("missing")));
            return;
        }
        Assert.Throws<IOException>(() => FileSystemSync.TryOpen(_dir.Combine("missing")));
    }

    [Fact]
    public void Flush_after_dispose_is_refused()
    {
        FileSystemSync? sync = FileSystemSync.TryOpen(_dir.Path);
        if (sync is null)
        {
            return;
        }
        sync.Dispose();
        Assert.Throws<ObjectDisposedException>(sync.Flush);
    }
}
