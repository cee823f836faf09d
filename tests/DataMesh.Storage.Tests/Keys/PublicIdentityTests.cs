using DataMesh.Storage.Keys;
using DataMesh.Storage.Tests.Crypto;

namespace DataMesh.Storage.Tests.Keys;

public class PublicIdentityTests
{
    private const string Base32Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    [Fact]
    public void Export_then_parse_round_trips()
    {
        using var user = UserIdentity.Generate();
        string text = user.PublicIdentity.Export();
        Assert.StartsWith("dmid1", text);
        Assert.Equal(116, text.Length);
        Assert.Equal(text.ToLowerInvariant(), text);

        var parsed = PublicIdentity.Parse(text);
        Assert.Equal(user.PublicIdentity, parsed);
        Assert.Equal(user.PublicIdentity.Fingerprint, parsed.Fingerprint);
        Assert.Equal(user.PublicIdentity, PublicIdentity.Parse("  " + text.ToUpperInvariant() + "\n"));
        Assert.True(PublicIdentity.TryParse(text, out var viaTry));
        Assert.Equal(parsed, viaTry);
        Assert.Equal(text, parsed.ToString());
    }

    [Fact]
    public void Every_single_character_substitution_is_detected()
    {
        using var user = UserIdentity.Generate();
        string text = user.PublicIdentity.Export();
        for (int i = "dmid1".Length; i < text.Length; i++)
        {
            foreach (char c in Base32Alphabet)
            {
                if (c == text[i])
                {
                    continue;
                }
                string typo = string.Concat(text.AsSpan(0, i), c.ToString(), text.AsSpan(i + 1));
                Assert.False(PublicIdentity.TryParse(typo, out _), $"substitution at {i} by '{c}' was accepted");
            }
        }
    }

    [Fact]
    public void Swapped_adjacent_characters_are_detected_with_a_checksum_message()
    {
        using var user = UserIdentity.Generate();
        string text = user.PublicIdentity.Export();
        int i = Enumerable.Range(10, 50).First(k => text[k] != text[k + 1]);
        string swapped = string.Concat(text.AsSpan(0, i), text[i + 1].ToString(), text[i].ToString(), text.AsSpan(i + 2));
        var ex = Assert.Throws<InvalidPublicIdentityException>(() => PublicIdentity.Parse(swapped));
        Assert.Contains("checksum", ex.Message);
    }

    [Fact]
    public void Errors_say_what_is_wrong()
    {
        using var user = UserIdentity.Generate();
        string text = user.PublicIdentity.Export();

        Assert.Contains("empty", Assert.Throws<InvalidPublicIdentityException>(() => PublicIdentity.Parse("  ")).Message);
        Assert.Contains("starts with 'dmid1'", Assert.Throws<InvalidPublicIdentityException>(() => PublicIdentity.Parse("xmid1" + text[5..])).Message);
        Assert.Contains("file address", Assert.Throws<InvalidPublicIdentityException>(() => PublicIdentity.Parse("dm1" + text[5..])).Message);
        Assert.Contains("lost or added", Assert.Throws<InvalidPublicIdentityException>(() => PublicIdentity.Parse(text[..^1])).Message);
        Assert.Contains("lost or added", Assert.Throws<InvalidPublicIdentityException>(() => PublicIdentity.Parse(text + "a")).Message);
        var badChar = Assert.Throws<InvalidPublicIdentityException>(() => PublicIdentity.Parse(text[..20] + "0" + text[21..]));
        Assert.Contains("'0' at position 21", badChar.Message);
    }

    [Fact]
    public void Fingerprint_is_short_grouped_and_distinct()
    {
        using var a = UserIdentity.Generate();
        using var b = UserIdentity.Generate();
        Assert.Matches("^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$", a.PublicIdentity.Fingerprint);
        Assert.NotEqual(a.PublicIdentity.Fingerprint, b.PublicIdentity.Fingerprint);
        Assert.NotEqual(a.PublicIdentity, b.PublicIdentity);
    }

    [Fact]
    public void FromKeys_rejects_wrong_lengths()
    {
        Assert.Throws<InvalidPublicIdentityException>(() => PublicIdentity.FromKeys(new byte[31], new byte[32]));
        Assert.Throws<InvalidPublicIdentityException>(() => PublicIdentity.FromKeys(new byte[32], new byte[33]));
        using var user = UserIdentity.Generate();
        var ex = Assert.Throws<InvalidPublicIdentityException>(() => PublicIdentity.FromKeys(user.PublicIdentity.SigningKey, new byte[32]));
        Assert.Contains("low-order", ex.Message);
    }

    [Fact]
    public void Signatures_verify_only_for_the_signed_data_and_signer()
    {
        using var a = UserIdentity.Generate();
        using var b = UserIdentity.Generate();
        var signature = a.Sign("hello"u8);
        Assert.Equal(UserIdentity.SignatureLength, signature.Length);
        Assert.True(a.PublicIdentity.Verify("hello"u8, signature));
        Assert.False(a.PublicIdentity.Verify("hellO"u8, signature));
        Assert.False(b.PublicIdentity.Verify("hello"u8, signature));
        Assert.False(a.PublicIdentity.Verify("hello"u8, signature.AsSpan(0, 63)));
    }

    [Fact]
    public void UserIdentity_ToString_shows_no_private_key()
    {
        using var user = UserIdentity.Generate();
        Span<byte> signing = stackalloc byte[32];
        Span<byte> agreement = stackalloc byte[32];
        user.ExportPrivateKeys(signing, agreement);
        Assert.Equal($"UserIdentity({user.PublicIdentity.Fingerprint})", user.ToString());
        SecretAssert.Absent(user.ToString(), signing.ToArray());
        SecretAssert.Absent(user.ToString(), agreement.ToArray());
        SecretAssert.Absent(user.PublicIdentity.Export(), signing.ToArray());
        SecretAssert.Absent(user.PublicIdentity.Export(), agreement.ToArray());
    }
}
