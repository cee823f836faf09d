using DataMesh.Libp2p.Kad;
using DataMesh.Libp2p.Multiformats;
using Microsoft.Extensions.Time.Testing;
using IdentityKey = DataMesh.Libp2p.Identity.Identity;

namespace DataMesh.Libp2p.Tests.Kad;

public sealed class StoreTests : IDisposable
{
    private readonly TempDirectory _temp = new("kad-store");
    private readonly string _directory;

    public StoreTests() => _directory = _temp.Combine("store");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void RecordsSurviveARestartAndExpireUnlessLocal()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch + TimeSpan.FromDays(20000));
        var options = new RecordStoreOptions { Directory = _directory, RecordTtl = TimeSpan.FromHours(36) };
        var store = new RecordStore(options, time);
        store.Put("/t/remote"u8, "r"u8, isLocal: false);
        store.Put("/t/mine"u8, "m"u8, isLocal: true);
        var reopened = new RecordStore(options, time);
        Assert.Equal("r"u8.ToArray(), reopened.Get("/t/remote"u8)!.Value.ToArray());
        Assert.True(reopened.Get("/t/mine"u8)!.IsLocal);
        time.Advance(TimeSpan.FromHours(37));
        Assert.Null(reopened.Get("/t/remote"u8));
        Assert.NotNull(reopened.Get("/t/mine"u8));
        Assert.Single(reopened.DueForRepublish(TimeSpan.FromHours(12)));
        reopened.MarkPublished("/t/mine"u8);
        Assert.Empty(reopened.DueForRepublish(TimeSpan.FromHours(12)));
        Assert.Single(Directory.GetFiles(_directory, "*.rec"));
    }

    [Fact]
    public void RecordStoreLimitsCountAndBytes()
    {
        var store = new RecordStore(new RecordStoreOptions { MaxRecords = 2, MaxBytes = 100 });
        store.Put("/t/a"u8, "1"u8, false);
        store.Put("/t/b"u8, "2"u8, false);
        store.Put("/t/a"u8, "3"u8, false); // replacing is always allowed
        Assert.Contains("2 records", Assert.Throws<RecordRejectedException>(() => store.Put("/t/c"u8, "4"u8, false)).Reason, StringComparison.Ordinal);
        Assert.True(store.Remove("/t/b"u8));
        Assert.Contains("100 bytes", Assert.Throws<RecordRejectedException>(() => store.Put("/t/c"u8, new byte[200], false)).Reason, StringComparison.Ordinal);
        Assert.Equal(1, store.Count);
        Assert.Equal(5, store.TotalBytes);
    }

    [Fact]
    public void CorruptFilesAreDroppedOnLoad()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllBytes(Path.Combine(_directory, "junk.rec"), [0x0A, 0xFF, 0xFF]);
        File.WriteAllBytes(Path.Combine(_directory, "junk.prov"), [0x12, 0x09]);
        Assert.Equal(0, new RecordStore(new RecordStoreOptions { Directory = _directory }).Count);
        Assert.Equal(0, new ProviderStore(new ProviderStoreOptions { Directory = _directory }).KeyCount);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public void ProvidersSurviveARestartExpireAndAreBoundedPerKey()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch + TimeSpan.FromDays(20000));
        var options = new ProviderStoreOptions { Directory = _directory, MaxProvidersPerKey = 3 };
        var store = new ProviderStore(options, time);
        var peers = Enumerable.Range(0, 4).Select(_ => IdentityKey.Generate()).ToList();
        Multiaddr address = Multiaddr.Parse("/ip4/127.0.0.1/tcp/4001");
        store.Add("cid"u8, peers[0].PeerId, [address], isLocal: true);
        for (int i = 1; i < 4; i++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            store.Add("cid"u8, peers[i].PeerId, [address], isLocal: false);
        }
        IReadOnlyList<ProviderEntry> now = store.Get("cid"u8);
        Assert.Equal(3, now.Count); // peers[1] (oldest non-local) made room
        Assert.Equal(peers[3].PeerId, now[0].Provider);
        Assert.DoesNotContain(now, e => e.Provider.Equals(peers[1].PeerId));

        var reopened = new ProviderStore(options, time);
        Assert.Equal(3, reopened.Get("cid"u8).Count);
        Assert.Equal(address, reopened.Get("cid"u8)[0].Addresses[0]);
        Assert.Single(reopened.LocalKeys());
        time.Advance(TimeSpan.FromHours(49));
        Assert.Equal(peers[0].PeerId, Assert.Single(reopened.Get("cid"u8)).Provider); // only the local one stays
        Assert.True(reopened.RemoveLocal("cid"u8));
        Assert.Empty(reopened.Get("cid"u8));
        foreach (IdentityKey peer in peers)
        {
            peer.Dispose();
        }
    }
}
