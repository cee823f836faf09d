using System.Text;
using DataMesh.Libp2p.Kad;
using IdentityKey = DataMesh.Libp2p.Identity.Identity;

namespace DataMesh.Libp2p.Tests.Kad;

public sealed class RecordValidationTests
{
    [Fact]
    public void SignedRecordOfTheOwnerValidatesAndHighestSequenceWins()
    {
        using var owner = IdentityKey.Generate();
        (byte[] key, byte[] v1) = SignedRecord.Create(owner, "profile", 1, "one"u8);
        (_, byte[] v5) = SignedRecord.Create(owner, "profile", 5, "five"u8);
        (_, byte[] v3) = SignedRecord.Create(owner, "profile", 3, "three"u8);
        RecordValidatorRegistry registry = RecordValidatorRegistry.Default;
        registry.Validate(key, v1);
        Assert.StartsWith($"/dm/{owner.PeerId}/", Encoding.UTF8.GetString(key), StringComparison.Ordinal);
        Assert.Equal(1, registry.Resolve(key).Select(key, [v1, v5, v3]));
        Assert.Equal("five"u8.ToArray(), SignedRecord.Decode(v5).Payload.ToArray());
    }

    [Fact]
    public void OthersCannotPublishUnderTheOwnersKey()
    {
        using var owner = IdentityKey.Generate();
        using var intruder = IdentityKey.Generate();
        (byte[] ownerKey, _) = SignedRecord.Create(owner, "profile", 1, "x"u8);
        (_, byte[] forged) = SignedRecord.Create(intruder, "profile", 9, "evil"u8);
        var error = Assert.Throws<RecordRejectedException>(() => RecordValidatorRegistry.Default.Validate(ownerKey, forged));
        Assert.Contains("does not belong", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TamperedOrReplayedRecordsFail()
    {
        using var owner = IdentityKey.Generate();
        (byte[] key, byte[] value) = SignedRecord.Create(owner, "a", 1, "payload"u8);
        SignedRecord record = SignedRecord.Decode(value);
        byte[] tampered = (record with { Sequence = 2 }).Encode();
        Assert.Contains("signature", Assert.Throws<RecordRejectedException>(() => RecordValidatorRegistry.Default.Validate(key, tampered)).Reason, StringComparison.Ordinal);
        byte[] otherName = SignedRecord.KeyFor(owner.PeerId, "b");
        Assert.Throws<RecordRejectedException>(() => RecordValidatorRegistry.Default.Validate(otherName, value));
        Assert.Throws<RecordRejectedException>(() => RecordValidatorRegistry.Default.Validate(key, [0xFF, 0x01]));
        Assert.Throws<RecordRejectedException>(() => RecordValidatorRegistry.Default.Validate("/dm/notapeer/x"u8, value));
        Assert.Throws<RecordRejectedException>(() => RecordValidatorRegistry.Default.Validate(System.Text.Encoding.UTF8.GetBytes($"/dm/{owner.PeerId}"), value));
    }

    [Fact]
    public void UnknownNamespacesAreRefusedUnlessConfigured()
    {
        var error = Assert.Throws<RecordRejectedException>(() => RecordValidatorRegistry.Default.Validate("/other/k"u8, "v"u8));
        Assert.Contains("\"other\"", error.Reason, StringComparison.Ordinal);
        Assert.Throws<RecordRejectedException>(() => RecordValidatorRegistry.Default.Validate("nokey"u8, "v"u8));
        RecordValidatorRegistry registry = RecordValidatorRegistry.Default.With("other", PermissiveRecordValidator.Instance);
        registry.Validate("/other/k"u8, "v"u8);
        Assert.Equal(["dm", "other"], registry.Namespaces.Order(StringComparer.Ordinal));
        Assert.Equal("other", RecordValidatorRegistry.NamespaceOf("/other/a/b"u8));
        Assert.Null(RecordValidatorRegistry.NamespaceOf("//a"u8));
    }
}
