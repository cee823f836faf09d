using DataMesh.Libp2p.Identity;

namespace DataMesh.Libp2p.Tests.Identity;

public sealed class IdentityFileTests : IDisposable
{
    private readonly TempDirectory _temp = new("idfile");
    private readonly string _directory;

    public IdentityFileTests() => _directory = _temp.Combine("identity");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Creates_once_then_loads_the_same_identity()
    {
        var path = Path.Combine(_directory, "nested", "identity.key");
        PeerId first;
        using (var created = IdentityFile.LoadOrCreate(path))
        {
            first = created.PeerId;
        }
        using var loaded = IdentityFile.LoadOrCreate(path);
        Assert.Equal(first, loaded.PeerId);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void Refuses_a_file_readable_by_others_and_says_how_to_fix_it()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var path = Path.Combine(_directory, "identity.key");
        IdentityFile.LoadOrCreate(path).Dispose();
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var ex = Assert.Throws<InsecureIdentityFileException>(() => IdentityFile.LoadOrCreate(path));
        Assert.Contains("chmod 600", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_file_gives_an_error_naming_the_path_but_not_the_bytes()
    {
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, "identity.key");
        byte[] garbage = [0x08, 0x01, 0x12, 0x05, 0xde, 0xad, 0xbe, 0xef, 0x99];
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(path, options))
        {
            stream.Write(garbage);
        }
        var ex = Assert.Throws<InvalidKeyException>(() => IdentityFile.LoadOrCreate(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("dead", ex.Message, StringComparison.OrdinalIgnoreCase);
    }
}
