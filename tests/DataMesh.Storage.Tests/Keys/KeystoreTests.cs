using DataMesh.Storage.Keys;
using DataMesh.Storage.Tests.Crypto;

namespace DataMesh.Storage.Tests.Keys;

public sealed class KeystoreTests : IDisposable
{
    // Minimal Argon2id cost keeps the suite fast; production defaults are exercised by KeystoreOptions.Default.
    private static readonly KeystoreOptions Fast = new() { Argon2MemoryKiB = 8, Argon2Passes = 1 };

    private readonly TempDirectory _temp = new("keystore");
    private readonly string _directory;

    public KeystoreTests() => _directory = _temp.Combine("data");

    public void Dispose() => _temp.Dispose();

    private string FilePath => Keystore.GetPath(_directory, Fast);

    [Fact]
    public void LoadOrCreate_creates_once_then_loads_the_same_identity()
    {
        Assert.False(Keystore.Exists(_directory, Fast));
        using var created = Keystore.LoadOrCreate(_directory, options: Fast);
        Assert.True(Keystore.Exists(_directory, Fast));
        using var loaded = Keystore.LoadOrCreate(_directory, options: Fast);
        Assert.Equal(created.PublicIdentity, loaded.PublicIdentity);

        // The loaded private keys work: what one signs, the other's public identity verifies.
        Assert.True(created.PublicIdentity.Verify("m"u8, loaded.Sign("m"u8)));
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
    }

    [Fact]
    public void Files_and_directory_are_owner_only_on_unix()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        using var created = Keystore.Create(_directory, options: Fast);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(FilePath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_directory));
    }

    [Fact]
    public void Group_or_other_readable_file_is_refused_with_the_fix()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        using (Keystore.Create(_directory, options: Fast)) { }
        File.SetUnixFileMode(FilePath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var ex = Assert.Throws<KeystorePermissionsException>(() => Keystore.Load(_directory, options: Fast));
        Assert.Contains("0644", ex.Message);
        Assert.Contains($"chmod 600 '{FilePath}'", ex.Message);

        File.SetUnixFileMode(FilePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var loaded = Keystore.Load(_directory, options: Fast);
    }

    [Fact]
    public void Passphrase_protected_identity_opens_only_with_the_right_passphrase()
    {
        using var created = Keystore.Create(_directory, "correct horse", options: Fast);
        using var loaded = Keystore.Load(_directory, "correct horse", Fast);
        Assert.Equal(created.PublicIdentity, loaded.PublicIdentity);

        var wrong = Assert.Throws<WrongPassphraseException>(() => Keystore.Load(_directory, "correct hors", Fast));
        Assert.DoesNotContain("correct", wrong.Message);
        Assert.Throws<WrongPassphraseException>(() => Keystore.Load(_directory, null, Fast));
        Assert.Throws<WrongPassphraseException>(() => Keystore.LoadOrCreate(_directory, "other", Fast));
    }

    [Fact]
    public void Production_default_cost_round_trips()
    {
        using var created = Keystore.Create(_directory, "pw");
        using var loaded = Keystore.Load(_directory, "pw");
        Assert.Equal(created.PublicIdentity, loaded.PublicIdentity);
    }

    [Fact]
    public void Private_keys_are_not_stored_in_clear_when_protected()
    {
        using var created = Keystore.Create(_directory, "pw", options: Fast);
        var signing = new byte[32];
        var agreement = new byte[32];
        created.ExportPrivateKeys(signing, agreement);
        var file = File.ReadAllBytes(FilePath);
        Assert.Equal(-1, file.AsSpan().IndexOf(signing));
        Assert.Equal(-1, file.AsSpan().IndexOf(agreement));
    }

    [Fact]
    public void Secrets_never_appear_in_errors()
    {
        using var created = Keystore.Create(_directory, "pw", options: Fast);
        var signing = new byte[32];
        var agreement = new byte[32];
        created.ExportPrivateKeys(signing, agreement);
        var ex = Assert.Throws<WrongPassphraseException>(() => Keystore.Load(_directory, "nope", Fast));
        SecretAssert.Absent(ex.ToString(), signing);
        SecretAssert.Absent(ex.ToString(), agreement);
    }

    [Fact]
    public void Passphrase_can_be_added_and_removed_by_saving_again()
    {
        using var created = Keystore.Create(_directory, options: Fast);
        Assert.Throws<KeystoreException>(() => Keystore.Load(_directory, "unexpected", Fast));
        Keystore.Save(created, _directory, "new secret", overwrite: true, Fast);
        using (var protectedLoad = Keystore.Load(_directory, "new secret", Fast))
        {
            Assert.Equal(created.PublicIdentity, protectedLoad.PublicIdentity);
        }
        Keystore.Save(created, _directory, null, overwrite: true, Fast);
        using var plainLoad = Keystore.Load(_directory, null, Fast);
        Assert.Equal(created.PublicIdentity, plainLoad.PublicIdentity);
    }

    [Fact]
    public void Create_refuses_to_replace_an_identity_unless_asked()
    {
        using var first = Keystore.Create(_directory, options: Fast);
        Assert.Throws<KeystoreException>(() => Keystore.Create(_directory, options: Fast));
        using var second = Keystore.Create(_directory, overwrite: true, options: Fast);
        Assert.NotEqual(first.PublicIdentity, second.PublicIdentity);
        using var loaded = Keystore.Load(_directory, options: Fast);
        Assert.Equal(second.PublicIdentity, loaded.PublicIdentity);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Damaged_files_are_reported_not_loaded(bool withPassphrase)
    {
        string? passphrase = withPassphrase ? "pw" : null;
        using (Keystore.Create(_directory, passphrase, options: Fast)) { }
        var original = File.ReadAllBytes(FilePath);
        for (int i = 0; i < original.Length; i++)
        {
            var damaged = (byte[])original.Clone();
            damaged[i] ^= 0x01;
            File.WriteAllBytes(FilePath, damaged);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(FilePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            Assert.ThrowsAny<KeystoreException>(() => Keystore.Load(_directory, passphrase, Fast));
        }
        File.WriteAllBytes(FilePath, original.AsSpan(0, original.Length - 1).ToArray());
        Assert.ThrowsAny<KeystoreException>(() => Keystore.Load(_directory, passphrase, Fast));
    }

    [Fact]
    public void Excessive_argon2_cost_in_a_file_is_refused_before_deriving()
    {
        var heavy = Fast with { Argon2MemoryKiB = 64 };
        using (Keystore.Create(_directory, "pw", options: heavy)) { }
        var strict = Fast with { MaxArgon2MemoryKiB = 32 };
        var ex = Assert.Throws<KeystoreException>(() => Keystore.Load(_directory, "pw", strict));
        Assert.Contains("memory=64 KiB", ex.Message);
    }

    [Fact]
    public void Options_that_could_not_load_their_own_file_are_refused_when_saving()
    {
        Assert.Throws<ArgumentException>(() => Keystore.Create(_directory, "pw", options: Fast with { Argon2MemoryKiB = 4 }));
        Assert.Throws<ArgumentException>(() => Keystore.Create(_directory, "pw", options: Fast with { Argon2Passes = 0 }));
        Assert.Throws<ArgumentException>(() => Keystore.Create(_directory, "pw", options: Fast with { MaxArgon2MemoryKiB = 4 }));
        Assert.Throws<ArgumentException>(() => Keystore.Create(_directory, "", options: Fast));
        Assert.False(Keystore.Exists(_directory, Fast));
    }

    [Fact]
    public void Missing_file_is_a_clear_error()
    {
        var ex = Assert.Throws<KeystoreException>(() => Keystore.Load(_directory, options: Fast));
        Assert.Contains("No identity file", ex.Message);
    }
}
