using System.Text;
using DataMesh.Storage.Addressing;

namespace DataMesh.Storage.Tests.Addressing;

public class ContentHashTests
{
    [Theory]
    [InlineData("", "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262")]
    [InlineData("abc", "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85")]
    public void Compute_matches_the_BLAKE3_reference_vectors(string input, string expected)
    {
        Assert.Equal(expected, ContentHash.Compute(Encoding.ASCII.GetBytes(input)).ToString());
    }

    [Fact]
    public void Incremental_hashing_equals_one_shot_hashing()
    {
        var data = new byte[300_000];
        new Random(7).NextBytes(data);
        using var hasher = new ContentHasher();
        for (int offset = 0; offset < data.Length; offset += 65_537)
        {
            hasher.Append(data.AsSpan(offset, Math.Min(65_537, data.Length - offset)));
        }
        Assert.Equal(ContentHash.Compute(data), hasher.GetHash());
        Assert.Equal(data.Length, hasher.BytesHashed);

        hasher.Reset();
        Assert.Equal(ContentHash.Compute([]), hasher.GetHash());
    }

    [Fact]
    public void Text_form_round_trips_and_is_lowercase_hex()
    {
        var hash = ContentHash.Compute("shard"u8);
        string text = hash.ToString();
        Assert.Equal(ContentHash.TextLength, text.Length);
        Assert.Equal(text.ToLowerInvariant(), text);
        Assert.Equal(hash, ContentHash.Parse(text));
        Assert.Equal(hash, ContentHash.Parse(text.ToUpperInvariant()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("zz1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262")]
    [InlineData("af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f326")]
    [InlineData("af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f32620")]
    public void Parse_rejects_anything_but_64_hex_digits(string text)
    {
        Assert.False(ContentHash.TryParse(text, out _));
        Assert.Throws<ContentHashFormatException>(() => ContentHash.Parse(text));
    }

    [Fact]
    public void WriteTo_and_FromBytes_round_trip_and_equality_is_by_value()
    {
        var hash = ContentHash.Compute("x"u8);
        var bytes = new byte[ContentHash.Size];
        hash.WriteTo(bytes);
        var copy = ContentHash.FromBytes(bytes);
        Assert.Equal(hash, copy);
        Assert.True(hash == copy);
        Assert.Equal(hash.GetHashCode(), copy.GetHashCode());
        Assert.NotEqual(hash, ContentHash.Compute("y"u8));
        Assert.Equal(bytes, hash.ToArray());
        Assert.Throws<ArgumentException>(() => ContentHash.FromBytes(new byte[31]));
    }
}
