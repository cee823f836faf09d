using System.Buffers;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Crypto;
using DataMesh.Storage.Keys;
using DataMesh.Storage.Manifests;

namespace DataMesh.Storage.Tests.Manifests;

public sealed class ManifestCodecTests : IDisposable
{
    private readonly ManifestFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Round_trip_preserves_every_field_and_reencodes_identically()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var address = ManifestCodec.Write(_fixture.Manifest, _fixture.Owner, buffer);
        var encoded = buffer.WrittenSpan.ToArray();
        Assert.Equal(ManifestAddress.Compute(encoded), address);
        Assert.True("DMMF"u8.SequenceEqual(encoded.AsSpan(0, 4)));
        Assert.Equal(1, encoded[4]);

        var original = _fixture.Manifest;
        var read = ManifestCodec.Read(encoded, address);
        Assert.Equal(original.FileId, read.FileId);
        Assert.Equal(original.CreatedAt, read.CreatedAt);
        Assert.Equal(TimeSpan.Zero, read.CreatedAt.Offset);
        Assert.Equal(original.PlaintextSize, read.PlaintextSize);
        Assert.Equal(original.PlaintextHash, read.PlaintextHash);
        Assert.Equal(original.ChunkSize, read.ChunkSize);
        Assert.Equal(2, read.DataShards);
        Assert.Equal(1, read.ParityShards);
        Assert.Equal(CipherSuite.ChaCha20Poly1305, read.Cipher);
        Assert.Equal(original.Stripes, read.Stripes);
        Assert.Equal(original.WrappedKeys, read.WrappedKeys);
        Assert.Equal(3, read.WrappedKeys.Count);
        Assert.True(original.SealedMetadata.SequenceEqual(read.SealedMetadata));
        Assert.Equal(_fixture.Owner.PublicIdentity, read.Owner);
        Assert.Equal(encoded, ManifestCodec.Encode(read, _fixture.Owner));
    }

    [Fact]
    public void Owner_and_both_recipients_decrypt_name_and_tags_and_a_stranger_cannot()
    {
        var read = ManifestCodec.Read(_fixture.Encode());
        foreach (var user in new[] { _fixture.Owner, _fixture.Alice, _fixture.Bob })
        {
            Assert.Equal(_fixture.Metadata, read.DecryptMetadata(user));
        }
        using var stranger = UserIdentity.Generate();
        var ex = Assert.Throws<WrongKeyException>(() => read.DecryptMetadata(stranger));
        Assert.Contains(stranger.PublicIdentity.Fingerprint, ex.Message);

        using var otherFileKey = FileKey.Generate();
        Assert.Throws<WrongKeyException>(() => read.DecryptMetadata(otherFileKey));
    }

    [Fact]
    public void The_file_name_is_not_visible_in_the_encoded_manifest()
    {
        var encoded = _fixture.Encode();
        Assert.Equal(-1, encoded.AsSpan().IndexOf("quarterly"u8));
        Assert.Equal(-1, encoded.AsSpan().IndexOf("finance"u8));
        Assert.DoesNotContain("quarterly", _fixture.Manifest.ToString());
        Assert.DoesNotContain("quarterly", _fixture.Metadata.ToString());
    }

    [Fact]
    public void Every_single_byte_flip_is_detected()
    {
        var encoded = _fixture.Encode();
        foreach (byte mask in new byte[] { 0x01, 0x80, 0xFF })
        {
            for (int i = 0; i < encoded.Length; i++)
            {
                var altered = (byte[])encoded.Clone();
                altered[i] ^= mask;
                var ex = Record.Exception(() => ManifestCodec.Read(altered));
                Assert.True(ex is ManifestTamperedException or ManifestFormatException or UnsupportedManifestVersionException,
                    $"flip 0x{mask:x2} at offset {i} gave {(ex is null ? "no error" : ex.GetType().Name)}");
            }
        }
    }

    [Fact]
    public void Flipping_a_signed_field_without_breaking_structure_is_reported_as_tampering()
    {
        var encoded = _fixture.Encode();
        int hashOffset = encoded.AsSpan().IndexOf(_fixture.Manifest.Stripes[1].Shards[2].ToArray());
        encoded[hashOffset] ^= 1;
        var ex = Assert.Throws<ManifestTamperedException>(() => ManifestCodec.Read(encoded));
        Assert.Contains(_fixture.Owner.PublicIdentity.Fingerprint, ex.Message);
    }

    [Fact]
    public void Multi_segment_sequences_read_like_spans()
    {
        var encoded = _fixture.Encode();
        var first = new Segment(encoded.AsMemory(0, 100));
        var last = first.Append(encoded.AsMemory(100));
        var read = ManifestCodec.Read(new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length));
        Assert.Equal(_fixture.Manifest.FileId, read.FileId);
        Assert.Equal(_fixture.Manifest.Stripes, read.Stripes);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }

    [Fact]
    public void Bytes_that_do_not_match_the_requested_address_are_refused()
    {
        var encoded = _fixture.Encode();
        var otherAddress = ManifestAddress.Compute("something else"u8);
        Assert.Throws<ManifestTamperedException>(() => ManifestCodec.Read(encoded, otherAddress));
    }

    [Fact]
    public void Unknown_version_says_which_version_and_which_is_supported()
    {
        var encoded = _fixture.Encode();
        encoded[4] = 2;
        var ex = Assert.Throws<UnsupportedManifestVersionException>(() => ManifestCodec.Read(encoded));
        Assert.Equal(2, ex.Version);
        Assert.Equal(1, ex.SupportedVersion);
        Assert.Contains("version 2", ex.Message);
        Assert.Contains("reads version 1", ex.Message);
    }

    [Fact]
    public void Truncation_at_every_length_is_a_format_error()
    {
        var encoded = _fixture.Encode();
        for (int length = 0; length < encoded.Length; length++)
        {
            var ex = Record.Exception(() => ManifestCodec.Read(encoded.AsSpan(0, length)));
            Assert.True(ex is ManifestFormatException, $"length {length} gave {(ex is null ? "no error" : ex.GetType().Name)}");
        }
    }

    [Fact]
    public void Trailing_bytes_are_refused()
    {
        var encoded = _fixture.Encode();
        var longer = encoded.Concat(new byte[] { 0 }).ToArray();
        Assert.Contains("after the signature", Assert.Throws<ManifestFormatException>(() => ManifestCodec.Read(longer)).Message);
    }

    [Fact]
    public void Not_a_manifest_is_a_format_error()
    {
        Assert.Contains("DMMF", Assert.Throws<ManifestFormatException>(() => ManifestCodec.Read("PK\x03\x04 not a manifest"u8)).Message);
    }

    [Fact]
    public void Only_the_owner_can_sign()
    {
        Assert.Throws<ArgumentException>(() => ManifestCodec.Encode(_fixture.Manifest, _fixture.Alice));
    }

    [Fact]
    public void Chunk_layout_helpers_follow_the_sizes()
    {
        var manifest = _fixture.Manifest;
        Assert.Equal(4, manifest.ChunkCount);
        Assert.Equal(ManifestFixture.ChunkSize, manifest.GetChunkLength(0));
        Assert.Equal(100, manifest.GetChunkLength(3));
        Assert.True(manifest.IsLastChunk(3));
        Assert.False(manifest.IsLastChunk(2));
        Assert.Equal(1, Manifest.ChunkCountFor(0, 4096));
        Assert.Equal(1, Manifest.ChunkCountFor(4096, 4096));
        Assert.Equal(2, Manifest.ChunkCountFor(4097, 4096));
        Assert.Equal(2, Manifest.StripeCountFor(9, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => manifest.GetChunkLength(4));
    }

    [Fact]
    public void Inconsistent_manifests_cannot_be_constructed()
    {
        var m = _fixture.Manifest;
        Assert.Throws<ArgumentException>(() => new Manifest(m.FileId, m.CreatedAt, m.PlaintextSize * 3, m.PlaintextHash, m.ChunkSize,
            m.DataShards, m.ParityShards, m.Cipher, m.Stripes, m.WrappedKeys, m.SealedMetadata, m.Owner));
        Assert.Throws<ArgumentException>(() => new Manifest(m.FileId, m.CreatedAt, m.PlaintextSize, m.PlaintextHash, m.ChunkSize,
            m.DataShards, m.ParityShards + 1, m.Cipher, m.Stripes, m.WrappedKeys, m.SealedMetadata, m.Owner));
        Assert.Throws<ArgumentException>(() => new Manifest(m.FileId, m.CreatedAt, m.PlaintextSize, m.PlaintextHash, m.ChunkSize,
            m.DataShards, m.ParityShards, m.Cipher, m.Stripes, [m.WrappedKeys[0], m.WrappedKeys[0]], m.SealedMetadata, m.Owner));
        Assert.Throws<ArgumentException>(() => new Manifest(m.FileId, m.CreatedAt, m.PlaintextSize, m.PlaintextHash, m.ChunkSize,
            m.DataShards, m.ParityShards, m.Cipher, m.Stripes, [], m.SealedMetadata, m.Owner));
    }
}
