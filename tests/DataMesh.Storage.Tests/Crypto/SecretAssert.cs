namespace DataMesh.Storage.Tests.Crypto;

/// <summary>Asserts that no common spelling of a secret appears in a text shown to users or logs.</summary>
internal static class SecretAssert
{
    public static void Absent(string text, byte[] secret)
    {
        Assert.DoesNotContain(Convert.ToHexStringLower(secret), text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToBase64String(secret), text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(secret).TrimEnd('=').Replace('+', '-').Replace('/', '_'), text, StringComparison.Ordinal);
        // A partial leak (e.g. a prefix of the key) is also a leak.
        Assert.DoesNotContain(Convert.ToHexStringLower(secret.AsSpan(0, 8)), text, StringComparison.OrdinalIgnoreCase);
    }
}
