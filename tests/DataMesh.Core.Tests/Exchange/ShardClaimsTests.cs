using DataMesh.Core.Exchange;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Keys;

namespace DataMesh.Core.Tests.Exchange;

/// <summary>The claims store on its own: idempotent claims, what a removal leaves, the cap, durability across a
/// reopen, damaged files and pruning.</summary>
public sealed class ShardClaimsTests : IDisposable
{
    private readonly TempDirectory _temp = new("claims");
    private readonly string _directory;
    private static readonly ContentHash Shard = ContentHash.Compute("a shard"u8);

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    public ShardClaimsTests() => _directory = _temp.Combine("claims");

    private static OwnerTag NewOwner()
    {
        using UserIdentity user = UserIdentity.Generate();
        return OwnerTag.Of(user.PublicIdentity);
    }

    [Fact]
    public async Task Add_IsIdempotent_AndRemoveSaysWhatRemains()
    {
        using ShardClaims claims = ShardClaims.Open(_directory);
        OwnerTag alice = NewOwner(), bob = NewOwner(), carol = NewOwner();
        using (ShardClaimLease lease = await claims.AcquireAsync(Shard, Timeout))
        {
            Assert.Equal(ClaimReleased.Unclaimed, await lease.RemoveAsync(alice, Timeout));
            Assert.Equal(ClaimAdded.Added, await lease.AddAsync(alice, Timeout));
            Assert.Equal(ClaimAdded.AlreadyClaimed, await lease.AddAsync(alice, Timeout));
            Assert.Equal(ClaimAdded.Added, await lease.AddAsync(bob, Timeout));
        }
        Assert.Equal([alice, bob], await claims.GetOwnersAsync(Shard, Timeout));

        using (ShardClaimLease lease = await claims.AcquireAsync(Shard, Timeout))
        {
            Assert.Equal(ClaimReleased.NotAnOwner, await lease.RemoveAsync(carol, Timeout));
            Assert.Equal(ClaimReleased.OthersRemain, await lease.RemoveAsync(alice, Timeout));
            Assert.Equal(ClaimReleased.LastClaimRemoved, await lease.RemoveAsync(bob, Timeout));
        }
        Assert.Empty(await claims.GetOwnersAsync(Shard, Timeout));
        Assert.False(File.Exists(claims.PathOf(Shard)));
    }

    [Fact]
    public async Task Cap_RefusesAFurtherOwner_ButNotAnExistingOne()
    {
        using ShardClaims claims = ShardClaims.Open(_directory, maxOwnersPerShard: 2);
        OwnerTag first = NewOwner(), second = NewOwner(), third = NewOwner();
        using ShardClaimLease lease = await claims.AcquireAsync(Shard, Timeout);
        await lease.AddAsync(first, Timeout);
        await lease.AddAsync(second, Timeout);

        Assert.False(lease.CanClaim(third));
        Assert.True(lease.CanClaim(first));
        Assert.Equal(ClaimAdded.AlreadyClaimed, await lease.AddAsync(second, Timeout));
        await Assert.ThrowsAsync<ShardClaimsException>(() => lease.AddAsync(third, Timeout));
        Assert.Equal([first, second], lease.Owners);
    }

    [Fact]
    public async Task Claims_SurviveAReopen_AndLeftoverTemporaryFilesAreRemoved()
    {
        OwnerTag owner = NewOwner();
        using (ShardClaims claims = ShardClaims.Open(_directory))
        {
            using ShardClaimLease lease = await claims.AcquireAsync(Shard, Timeout);
            await lease.AddAsync(owner, Timeout);
        }
        string leftover = Path.Combine(_directory, "ab", ".abc.0123.tmp");
        Directory.CreateDirectory(Path.GetDirectoryName(leftover)!);
        await File.WriteAllBytesAsync(leftover, [1, 2, 3], Timeout);

        using ShardClaims reopened = ShardClaims.Open(_directory);

        Assert.Equal([owner], await reopened.GetOwnersAsync(Shard, Timeout));
        Assert.False(File.Exists(leftover));
    }

    [Theory]
    [InlineData(new byte[] { (byte)'D', (byte)'M', (byte)'C', (byte)'L', 1, 2, 0, 0 })]
    [InlineData(new byte[] { (byte)'X', (byte)'M', (byte)'C', (byte)'L', 1, 0 })]
    [InlineData(new byte[] { (byte)'D', (byte)'M', (byte)'C', (byte)'L', 9, 0 })]
    [InlineData(new byte[] { 1, 2 })]
    public async Task DamagedClaimsFile_IsATypedError_NotAnEmptyClaimSet(byte[] content)
    {
        using ShardClaims claims = ShardClaims.Open(_directory);
        string path = claims.PathOf(Shard);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, content, Timeout);

        await Assert.ThrowsAsync<ShardClaimsException>(async () => await claims.AcquireAsync(Shard, Timeout));
        // The lease was released with the error: the next attempt fails the same way instead of hanging.
        await Assert.ThrowsAsync<ShardClaimsException>(async () => await claims.AcquireAsync(Shard, Timeout));
    }

    [Fact]
    public async Task OversizedClaimsFile_IsRefusedBeforeItIsRead()
    {
        using ShardClaims claims = ShardClaims.Open(_directory);
        string path = claims.PathOf(Shard);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, new byte[ShardClaims.HeaderSize + ((ShardClaims.FormatMaxOwners + 1) * OwnerTag.Size)], Timeout);

        ShardClaimsException error = await Assert.ThrowsAsync<ShardClaimsException>(async () => await claims.AcquireAsync(Shard, Timeout));
        Assert.Contains("more than the format allows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prune_DropsTheClaimsOfShardsNoLongerHeld()
    {
        using ShardClaims claims = ShardClaims.Open(_directory);
        ContentHash kept = ContentHash.Compute("kept"u8), gone = ContentHash.Compute("gone"u8);
        OwnerTag owner = NewOwner();
        foreach (ContentHash shard in new[] { kept, gone })
        {
            using ShardClaimLease lease = await claims.AcquireAsync(shard, Timeout);
            await lease.AddAsync(owner, Timeout);
        }

        Assert.Equal(1, await claims.PruneAsync(shard => shard == kept, Timeout));

        Assert.Equal([owner], await claims.GetOwnersAsync(kept, Timeout));
        Assert.Empty(await claims.GetOwnersAsync(gone, Timeout));
    }

    public void Dispose() => _temp.Dispose();
}
