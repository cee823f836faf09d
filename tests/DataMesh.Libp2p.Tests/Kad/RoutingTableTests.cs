using DataMesh.Libp2p.Kad;
using Microsoft.Extensions.Time.Testing;

namespace DataMesh.Libp2p.Tests.Kad;

public sealed class RoutingTableTests
{
    private static readonly KadKey Local = KadKey.FromDigest(new byte[32]);

    /// <summary>A key in bucket <paramref name="bucket"/> of the all-zero local key, distinct per <paramref name="n"/>.</summary>
    private static KadKey KeyInBucket(int bucket, int n)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bucket, 240);
        byte[] digest = new byte[32];
        digest[bucket / 8] |= (byte)(0x80 >> (bucket % 8));
        digest[30] = (byte)(n >> 8);
        digest[31] = (byte)n;
        return KadKey.FromDigest(digest);
    }

    [Fact]
    public void FullBucketKeepsOldMembersAndNamesTheLeastRecentlySeen()
    {
        var time = new FakeTimeProvider();
        var table = new RoutingTable<string>(Local, bucketSize: 3, time);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(RoutingTableAddResult.Added, table.TryAdd($"p{i}", KeyInBucket(0, i), out _));
            time.Advance(TimeSpan.FromSeconds(1));
        }
        table.MarkSeen("p0"); // p1 is now the least recently seen
        Assert.Equal(RoutingTableAddResult.BucketFull, table.TryAdd("new", KeyInBucket(0, 9), out string? candidate));
        Assert.Equal("p1", candidate);
        Assert.False(table.Contains("new"));
        Assert.Equal(3, table.Count);

        // The candidate answered its liveness check: nothing changes. It failed: the newcomer replaces it.
        Assert.True(table.ReplaceStale("p1", "new", KeyInBucket(0, 9)));
        Assert.False(table.Contains("p1"));
        Assert.True(table.Contains("new"));
        // Other buckets are unaffected by a full bucket 0.
        Assert.Equal(RoutingTableAddResult.Added, table.TryAdd("deep", KeyInBucket(5, 1), out _));
    }

    [Fact]
    public void SelfIsNeverAddedAndRefreshIsReported()
    {
        var table = new RoutingTable<string>(Local, 20);
        Assert.Equal(RoutingTableAddResult.Self, table.TryAdd("me", Local, out _));
        Assert.Equal(RoutingTableAddResult.Added, table.TryAdd("a", KeyInBucket(3, 1), out _));
        Assert.Equal(RoutingTableAddResult.Refreshed, table.TryAdd("a", KeyInBucket(3, 1), out _));
        Assert.Equal(1, table.Count);
        Assert.True(table.Remove("a"));
        Assert.False(table.Remove("a"));
    }

    [Fact]
    public void NearestPeersAreSortedByXorDistance()
    {
        var table = new RoutingTable<int>(KadKey.Hash("local"u8), 20);
        var keys = new Dictionary<int, KadKey>();
        for (int i = 0; i < 300; i++)
        {
            keys[i] = KadKey.Hash(BitConverter.GetBytes(i));
            table.TryAdd(i, keys[i], out _);
        }
        KadKey target = KadKey.Hash("target"u8);
        IReadOnlyList<int> nearest = table.NearestPeers(target, 20);
        Assert.Equal(20, nearest.Count);
        var members = table.Snapshot().Select(e => e.Peer).ToList();
        var expected = members.OrderBy(p => keys[p].Xor(target)).Take(20).ToList();
        Assert.Equal(expected, nearest);
        Assert.All(table.Snapshot(), e => Assert.Equal(table.BucketIndexOf(e.Key), e.BucketIndex));
        Assert.DoesNotContain(nearest[0], table.NearestPeers(target, 20, exclude: p => p == nearest[0]));
    }

    [Fact]
    public void BucketsDueForRefreshFollowTheClock()
    {
        var time = new FakeTimeProvider();
        var table = new RoutingTable<string>(Local, 20, time);
        table.TryAdd("a", KeyInBucket(2, 1), out _);
        Assert.Empty(table.BucketsDueForRefresh(TimeSpan.FromMinutes(10)));
        time.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal([0, 1, 2, 3], table.BucketsDueForRefresh(TimeSpan.FromMinutes(10)));
        table.MarkRefreshed(1);
        Assert.Equal([0, 2, 3], table.BucketsDueForRefresh(TimeSpan.FromMinutes(10)));
    }
}
