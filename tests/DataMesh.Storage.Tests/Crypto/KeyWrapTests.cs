using DataMesh.Storage.Crypto;
using DataMesh.Storage.Keys;

namespace DataMesh.Storage.Tests.Crypto;

public class KeyWrapTests
{
    [Fact]
    public void Owner_and_two_recipients_recover_the_key_and_a_stranger_cannot()
    {
        using var owner = UserIdentity.Generate();
        using var alice = UserIdentity.Generate();
        using var bob = UserIdentity.Generate();
        using var stranger = UserIdentity.Generate();
        using var fileKey = FileKey.Generate();
        var expected = ChunkCipherTests.KeyBytes(fileKey);

        var wrapped = new[] { owner, alice, bob }.Select(u => KeyWrap.Wrap(fileKey, u.PublicIdentity)).ToList();
        foreach (var user in new[] { owner, alice, bob })
        {
            using var recovered = KeyWrap.Unwrap(wrapped, user);
            Assert.Equal(expected, ChunkCipherTests.KeyBytes(recovered));
        }

        var ex = Assert.Throws<WrongKeyException>(() => KeyWrap.Unwrap(wrapped, stranger));
        Assert.Equal($"This file was not shared with identity {stranger.PublicIdentity.Fingerprint}.", ex.Message);
        SecretAssert.Absent(ex.ToString(), expected);
    }

    [Fact]
    public void Each_wrap_uses_a_fresh_ephemeral_key()
    {
        using var owner = UserIdentity.Generate();
        using var fileKey = FileKey.Generate();
        var first = KeyWrap.Wrap(fileKey, owner.PublicIdentity);
        var second = KeyWrap.Wrap(fileKey, owner.PublicIdentity);
        Assert.False(first.EphemeralPublicKey.SequenceEqual(second.EphemeralPublicKey));
        Assert.False(first.Ciphertext.SequenceEqual(second.Ciphertext));
        Assert.NotEqual(first, second);
        Assert.Equal(first, new WrappedKey(first.RecipientId, first.EphemeralPublicKey, first.Ciphertext));
    }

    [Fact]
    public void Key_wrapped_for_someone_else_is_refused_even_if_relabelled()
    {
        using var alice = UserIdentity.Generate();
        using var mallory = UserIdentity.Generate();
        using var fileKey = FileKey.Generate();
        var forAlice = KeyWrap.Wrap(fileKey, alice.PublicIdentity);

        Assert.Throws<WrongKeyException>(() => KeyWrap.Unwrap(forAlice, mallory));
        // Relabelling the entry with Mallory's id does not help: the ciphertext is bound to Alice's keys.
        var relabelled = new WrappedKey(mallory.PublicIdentity.Id, forAlice.EphemeralPublicKey, forAlice.Ciphertext);
        var ex = Assert.Throws<WrongKeyException>(() => KeyWrap.Unwrap(relabelled, mallory));
        Assert.Contains(mallory.PublicIdentity.Fingerprint, ex.Message);
    }

    [Fact]
    public void Altered_wrapped_key_is_refused()
    {
        using var alice = UserIdentity.Generate();
        using var fileKey = FileKey.Generate();
        var wrapped = KeyWrap.Wrap(fileKey, alice.PublicIdentity);
        var ciphertext = wrapped.Ciphertext.ToArray();
        ciphertext[3] ^= 1;
        Assert.Throws<WrongKeyException>(() => KeyWrap.Unwrap(new WrappedKey(wrapped.RecipientId, wrapped.EphemeralPublicKey, ciphertext), alice));
        var ephemeral = wrapped.EphemeralPublicKey.ToArray();
        ephemeral[0] ^= 1;
        Assert.Throws<WrongKeyException>(() => KeyWrap.Unwrap(new WrappedKey(wrapped.RecipientId, ephemeral, wrapped.Ciphertext), alice));
        Assert.Throws<WrongKeyException>(() => KeyWrap.Unwrap(new WrappedKey(wrapped.RecipientId, new byte[32], wrapped.Ciphertext), alice));
    }

    [Fact]
    public void WrappedKey_shows_only_the_recipient_fingerprint()
    {
        using var alice = UserIdentity.Generate();
        using var fileKey = FileKey.Generate();
        var wrapped = KeyWrap.Wrap(fileKey, alice.PublicIdentity);
        Assert.Equal(alice.PublicIdentity.Fingerprint, wrapped.RecipientFingerprint);
        Assert.Equal($"WrappedKey(for {alice.PublicIdentity.Fingerprint})", wrapped.ToString());
        Assert.True(wrapped.IsFor(alice.PublicIdentity));
    }
}
