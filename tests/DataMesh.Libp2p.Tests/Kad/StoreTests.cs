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

    private static byte[] Blake3Cid(byte[] digest) => Cid.V1(Cid.RawCodec, Multihash.FromDigest(Multihash.Blake3Code, digest)).Bytes.ToArray();

    /// <summary>The upgrade the node installs: a 32-byte key of the old format is the BLAKE3 digest itself.</summary>
    private static byte[]? UpgradeRawDigest(ReadOnlySpan<byte> key) => key.Length == 32 ? Blake3Cid(key.ToArray()) : null;

    [Fact]
    public void A_cid_and_its_bare_multihash_are_one_record_kept_in_the_cid_form()
    {
        var store = new ProviderStore(new ProviderStoreOptions { Directory = _directory });
        byte[] digest = Enumerable.Repeat((byte)9, 32).ToArray();
        byte[] cid = Blake3Cid(digest);
        byte[] multihash = cid[2..];
        using var remote = IdentityKey.Generate();
        using var local = IdentityKey.Generate();
        store.Add(multihash, remote.PeerId, [], isLocal: false); // as js announces: the bare multihash
        store.Add(cid, local.PeerId, [], isLocal: true);
        Assert.Equal(1, store.KeyCount);
        Assert.Equal(2, store.Get(cid).Count);
        Assert.Equal(2, store.Get(multihash).Count);
        Assert.Equal(cid, Assert.Single(store.LocalKeys()));
        Assert.Single(Directory.GetFiles(_directory, "*.prov"));
        Assert.Equal(cid, Assert.Single(new ProviderStore(new ProviderStoreOptions { Directory = _directory }).LocalKeys()));
    }

    [Fact]
    public void A_store_of_old_format_keys_is_read_upgraded_and_rewritten()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch + TimeSpan.FromDays(20000));
        byte[] mine = Enumerable.Repeat((byte)1, 32).ToArray();
        byte[] theirs = Enumerable.Repeat((byte)2, 32).ToArray();
        using var self = IdentityKey.Generate();
        using var other = IdentityKey.Generate();
        using var third = IdentityKey.Generate();
        Multiaddr address = Multiaddr.Parse("/ip4/127.0.0.1/tcp/4001");
        // What an older node persisted: the raw digests as keys (no upgrade installed then).
        var old = new ProviderStore(new ProviderStoreOptions { Directory = _directory }, time);
        old.Add(mine, self.PeerId, [address], isLocal: true);
        old.Add(theirs, other.PeerId, [address], isLocal: false);
        time.Advance(TimeSpan.FromMinutes(1));
        // And one record already stored under the new key for the same content: the two are merged.
        old.Add(Blake3Cid(theirs), third.PeerId, [address], isLocal: false);
        Assert.Equal(3, old.KeyCount);

        var options = new ProviderStoreOptions { Directory = _directory, UpgradeKey = UpgradeRawDigest };
        var upgraded = new ProviderStore(options, time);
        Assert.Equal(2, upgraded.KeyCount);
        Assert.Equal(Blake3Cid(mine), Assert.Single(upgraded.LocalKeys())); // republished in the new form
        Assert.Equal(self.PeerId, Assert.Single(upgraded.Get(Blake3Cid(mine))).Provider);
        Assert.Equal(self.PeerId, Assert.Single(upgraded.Get(mine)).Provider); // an older node's GET_PROVIDERS
        Assert.Equal(self.PeerId, Assert.Single(upgraded.Get(Blake3Cid(mine).AsSpan(2))).Provider); // js's bare multihash
        Assert.Equal([third.PeerId, other.PeerId], upgraded.Get(Blake3Cid(theirs)).Select(e => e.Provider));
        Assert.Equal(address, upgraded.Get(theirs)[1].Addresses[0]);
        upgraded.Add(theirs, other.PeerId, [address], isLocal: false); // an older node re-announcing
        Assert.Equal(2, upgraded.Get(Blake3Cid(theirs)).Count);
        Assert.Equal(2, Directory.GetFiles(_directory, "*.prov").Length); // the old files were replaced

        var reopened = new ProviderStore(options, time);
        Assert.Equal(2, reopened.KeyCount);
        Assert.Equal(Blake3Cid(mine), Assert.Single(reopened.LocalKeys()));
        Assert.Equal(2, reopened.Get(Blake3Cid(theirs)).Count);
    }
}
