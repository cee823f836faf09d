using System.Diagnostics.CodeAnalysis;
using DataMesh.Storage.Addressing;

namespace DataMesh.Storage.Manifests;

/// <summary>
/// What users pass around to name a stored file: the BLAKE3-256 hash of its encoded, signed manifest.
/// Text form: <c>"dm1"</c> + lowercase base32 of the 32-byte hash and a 4-byte checksum (61 characters).
/// </summary>
public readonly struct ManifestAddress : IEquatable<ManifestAddress>
{
    public const string TextPrefix = "dm1";

    public ManifestAddress(ContentHash hash) => Hash = hash;

    public ContentHash Hash { get; }

    /// <summary>The address of an encoded manifest.</summary>
    public static ManifestAddress Compute(ReadOnlySpan<byte> encodedManifest) => new(ContentHash.Compute(encodedManifest));

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[ContentHash.Size];
        Hash.WriteTo(bytes);
        return CheckedText.Encode(TextPrefix, bytes);
    }

    /// <exception cref="InvalidManifestAddressException">Names the problem: prefix, character, length or checksum.</exception>
    public static ManifestAddress Parse(string text)
    {
        Span<byte> bytes = stackalloc byte[ContentHash.Size];
        string? error = CheckedText.TryDecode(text, TextPrefix, "file address", bytes);
        if (error is not null)
        {
            throw new InvalidManifestAddressException(error);
        }
        return new ManifestAddress(ContentHash.FromBytes(bytes));
    }

    public static bool TryParse([NotNullWhen(true)] string? text, out ManifestAddress address)
    {
        Span<byte> bytes = stackalloc byte[ContentHash.Size];
        if (CheckedText.TryDecode(text, TextPrefix, "file address", bytes) is null)
        {
            address = new ManifestAddress(ContentHash.FromBytes(bytes));
            return true;
        }
        address = default;
        return false;
    }

    public bool Equals(ManifestAddress other) => Hash == other.Hash;

    public override bool Equals(object? obj) => obj is ManifestAddress other && Equals(other);

    public override int GetHashCode() => Hash.GetHashCode();

    public static bool operator ==(ManifestAddress left, ManifestAddress right) => left.Equals(right);

    public static bool operator !=(ManifestAddress left, ManifestAddress right) => !left.Equals(right);
}
