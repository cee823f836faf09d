namespace DataMesh.Storage.Keys;

/// <summary>Where the identity file lives and how hard its passphrase protection is.</summary>
/// <remarks>The passphrase is used as given (its UTF-8 bytes): the build runs with invariant globalization,
/// which cannot Unicode-normalise, so type it the same way on every machine.</remarks>
public sealed record KeystoreOptions
{
    public static KeystoreOptions Default { get; } = new();

    /// <summary>File name inside the data directory.</summary>
    public string FileName { get; init; } = "identity.key";

    /// <summary>Argon2id memory per derivation, in KiB, used when writing. Default 64 MiB (about 0.1 s here):
    /// interactive-grade cost that still makes each offline guess expensive.</summary>
    public int Argon2MemoryKiB { get; init; } = 64 * 1024;

    /// <summary>Argon2id passes used when writing (default 3).</summary>
    public int Argon2Passes { get; init; } = 3;

    /// <summary>Largest memory cost accepted when reading a file; a damaged or hostile file cannot make
    /// loading allocate gigabytes. Default 1 GiB.</summary>
    public int MaxArgon2MemoryKiB { get; init; } = 1024 * 1024;

    /// <summary>Largest pass count accepted when reading a file (default 32).</summary>
    public int MaxArgon2Passes { get; init; } = 32;
}
