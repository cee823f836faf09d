using DataMesh.Libp2p.Kad;

namespace DataMesh.Libp2p.Tests.Kad;

public sealed class ClosestPeersLookupTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static KadKey KeyOf(int peer) => KadKey.Hash(BitConverter.GetBytes(peer));

    private static (int, KadKey) Entry(int peer) => (peer, KeyOf(peer));

    [Fact]
    public void KeepsAlphaInFlightClosestFirst()
    {
        KadKey target = KadKey.Hash("t"u8);
        var lookup = new ClosestPeersLookup<int>(target, Enumerable.Range(0, 10).Select(Entry), new LookupParameters(K: 4, Alpha: 3));
        IReadOnlyList<int> first = lookup.NextRequests(T0);
        Assert.Equal(Enumerable.Range(0, 10).OrderBy(p => KeyOf(p).Xor(target)).Take(3), first);
        Assert.Empty(lookup.NextRequests(T0));
        Assert.Equal(3, lookup.InFlight);
        lookup.OnResponse(first[0], []);
        Assert.Single(lookup.NextRequests(T0));
        Assert.Equal(3, lookup.InFlight);
    }

    [Fact]
    public void FinishesWhenTheKClosestHaveAnsweredAndLearnsCloserPeers()
    {
        // 100 peers; each knows everyone. The lookup must end with exactly the 5 closest, having asked few of them.
        KadKey target = KadKey.Hash("target"u8);
        var everyone = Enumerable.Range(0, 100).ToList();
        var truth = everyone.OrderBy(p => KeyOf(p).Xor(target)).Take(5).ToList();
        var farthest = everyone.OrderByDescending(p => KeyOf(p).Xor(target)).Take(2);
        var lookup = new ClosestPeersLookup<int>(target, farthest.Select(Entry), new LookupParameters(K: 5, Alpha: 3));
        int rounds = 0;
        while (!lookup.IsFinished)
        {
            IReadOnlyList<int> asked = lookup.NextRequests(T0);
            Assert.NotEmpty(asked);
            foreach (int peer in asked)
            {
                // Each peer answers with the 5 peers closest to the target that it "knows" (all, minus itself).
                lookup.OnResponse(peer, everyone.Where(p => p != peer).OrderBy(p => KeyOf(p).Xor(target)).Take(5).Select(Entry));
            }
            Assert.True(++rounds < 50);
        }
        Assert.Equal(truth, lookup.ClosestSucceeded());
        Assert.True(lookup.RequestsSent <= 10, $"{lookup.RequestsSent} requests");
        Assert.Equal(2, lookup.Hops);
    }

    [Fact]
    public void FailuresAndTimeoutsAreSkippedAndTheLookupStillEnds()
    {
        KadKey target = KadKey.Hash("x"u8);
        var lookup = new ClosestPeersLookup<int>(target, Enumerable.Range(0, 6).Select(Entry), new LookupParameters(K: 3, Alpha: 2, RequestTimeout: TimeSpan.FromSeconds(5)));
        IReadOnlyList<int> a = lookup.NextRequests(T0);
        lookup.OnFailure(a[0]);
        Assert.Equal(LookupPeerState.Failed, lookup.StateOf(a[0]));
        Assert.Equal(T0 + TimeSpan.FromSeconds(5), lookup.NextDeadline);
        IReadOnlyList<int> b = lookup.NextRequests(T0 + TimeSpan.FromSeconds(1));
        Assert.Single(b);
        // a[1] never answers: at the deadline it fails, and its late answer is ignored.
        IReadOnlyList<int> c = lookup.NextRequests(T0 + TimeSpan.FromSeconds(5));
        Assert.Equal(LookupPeerState.Failed, lookup.StateOf(a[1]));
        lookup.OnResponse(a[1], [Entry(50)]);
        Assert.Equal(LookupPeerState.Failed, lookup.StateOf(a[1]));
        Assert.Throws<KeyNotFoundException>(() => lookup.StateOf(50));
        foreach (int peer in b.Concat(c))
        {
            lookup.OnResponse(peer, []);
        }
        while (!lookup.IsFinished)
        {
            foreach (int peer in lookup.NextRequests(T0 + TimeSpan.FromSeconds(6)))
            {
                lookup.OnResponse(peer, []);
            }
        }
        Assert.Equal(3, lookup.ClosestSucceeded().Count);
        Assert.Equal(2, lookup.Failures);
    }

    [Fact]
    public void EveryoneFailingEndsTheLookupEmpty()
    {
        var lookup = new ClosestPeersLookup<int>(KadKey.Hash("y"u8), [Entry(1), Entry(2)], new LookupParameters(K: 20, Alpha: 3));
        foreach (int peer in lookup.NextRequests(T0))
        {
            lookup.OnFailure(peer);
        }
        Assert.True(lookup.IsFinished);
        Assert.Empty(lookup.ClosestSucceeded());
        Assert.True(new ClosestPeersLookup<int>(KadKey.Hash("z"u8), [], new LookupParameters()).IsFinished);
    }

    [Fact]
    public void CandidateMemoryIsBounded()
    {
        KadKey target = KadKey.Hash("bounded"u8);
        var lookup = new ClosestPeersLookup<int>(target, [Entry(0)], new LookupParameters(K: 20, Alpha: 3, MaxCandidates: 30));
        int peer = lookup.NextRequests(T0)[0];
        lookup.OnResponse(peer, Enumerable.Range(1, 1000).Select(Entry));
        int asked = 0;
        while (!lookup.IsFinished)
        {
            foreach (int p in lookup.NextRequests(T0))
            {
                asked++;
                lookup.OnResponse(p, []);
            }
        }
        Assert.True(asked <= 29);
        Assert.Equal(20, lookup.ClosestSucceeded().Count);
    }
}
