using System.Text;
using DataMesh.Core.Transfers;
using DataMesh.Storage.Addressing;
using static DataMesh.Core.Tests.Transfers.TransferFixtures;

namespace DataMesh.Core.Tests.Transfers;

public sealed class TransferJournalTests : IDisposable
{
    private readonly TempDirectory _temp = new("journal");
    private readonly string _directory;

    public TransferJournalTests() => _directory = _temp.Combine("transfer");

    public void Dispose() => _temp.Dispose();

    private string JournalPath => TransferJournal.PathBeside(Path.Combine(_directory, "file.bin"));

    [Fact]
    public async Task Records_survive_reopening()
    {
        var peers = Support.TestPeers.CreateMany(2);
        var shard = ContentHash.Compute([1, 2, 3]);
        await using (var journal = await TransferJournal.OpenAsync(JournalPath, "op-1"))
        {
            await journal.RecordStripeCompleteAsync(4);
            await journal.RecordShardStoredAsync(shard, peers);
        }

        await using var reopened = await TransferJournal.OpenAsync(JournalPath, "op-1");

        Assert.Equal(2, reopened.ResumedRecords);
        Assert.True(reopened.IsStripeComplete(4));
        Assert.False(reopened.IsStripeComplete(5));
        Assert.True(reopened.TryGetStoredShard(shard, out var holders));
        Assert.Equal(peers, holders);
    }

    [Fact]
    public async Task A_torn_last_line_is_ignored_and_later_records_append_cleanly()
    {
        await using (var journal = await TransferJournal.OpenAsync(JournalPath, "op-1"))
        {
            await journal.RecordStripeCompleteAsync(0);
            await journal.RecordStripeCompleteAsync(1);
        }
        var content = await File.ReadAllBytesAsync(JournalPath);
        await File.WriteAllBytesAsync(JournalPath, content[..^4]); // crash in the middle of the last line

        await using (var journal = await TransferJournal.OpenAsync(JournalPath, "op-1"))
        {
            Assert.True(journal.IsStripeComplete(0));
            Assert.False(journal.IsStripeComplete(1));
            await journal.RecordStripeCompleteAsync(2);
        }

        await using var reopened = await TransferJournal.OpenAsync(JournalPath, "op-1");
        Assert.True(reopened.IsStripeComplete(0));
        Assert.True(reopened.IsStripeComplete(2));
        Assert.Equal(2, reopened.ResumedRecords);
    }

    [Fact]
    public async Task A_damaged_line_ends_the_trusted_part()
    {
        await using (var journal = await TransferJournal.OpenAsync(JournalPath, "op-1"))
        {
            await journal.RecordStripeCompleteAsync(0);
            await journal.RecordStripeCompleteAsync(1);
            await journal.RecordStripeCompleteAsync(2);
        }
        var text = await File.ReadAllTextAsync(JournalPath);
        await File.WriteAllTextAsync(JournalPath, text.Replace("T 1 ", "T 7 ", StringComparison.Ordinal), Encoding.ASCII);

        await using var reopened = await TransferJournal.OpenAsync(JournalPath, "op-1");

        Assert.True(reopened.IsStripeComplete(0));
        Assert.False(reopened.IsStripeComplete(7));
        Assert.False(reopened.IsStripeComplete(2));
    }

    [Fact]
    public async Task A_journal_of_another_operation_is_discarded()
    {
        await using (var journal = await TransferJournal.OpenAsync(JournalPath, "op-1"))
        {
            await journal.RecordStripeCompleteAsync(0);
        }

        await using var other = await TransferJournal.OpenAsync(JournalPath, "op-2");

        Assert.False(other.IsStripeComplete(0));
        Assert.Equal(0, other.ResumedRecords);
    }

    [Fact]
    public async Task The_size_is_bounded_and_reaching_the_bound_does_not_fail_the_transfer()
    {
        var options = new TransferJournalOptions { MaxBytes = 1024 };
        await using (var journal = await TransferJournal.OpenAsync(JournalPath, "op-1", options))
        {
            for (int i = 0; i < 500; i++)
            {
                await journal.RecordStripeCompleteAsync(i);
            }
        }

        Assert.InRange(new FileInfo(JournalPath).Length, 1, 1024);
        await using var reopened = await TransferJournal.OpenAsync(JournalPath, "op-1", options);
        Assert.True(reopened.IsStripeComplete(0));
        Assert.InRange(reopened.CompletedStripeCount, 10, 499);
    }

    [Fact]
    public async Task Operation_keys_must_be_file_name_safe()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => TransferJournal.OpenAsync(JournalPath, "../escape"));
        Assert.Throws<ArgumentException>(() => TransferJournal.PathInDirectory(_directory, "a b"));
    }

    [Fact]
    public async Task A_rerun_of_a_retrieval_skips_the_stripes_already_delivered()
    {
        var network = new FakeShardNetwork(4);
        var originals = new Dictionary<int, byte[][]>();
        var stripes = new List<StripeDescriptor>();
        for (int s = 0; s < 4; s++)
        {
            var (stripe, shards) = PlaceStripe(network, s, k: 2, m: 1, shardLength: 64, firstPeer: s);
            stripes.Add(stripe);
            originals[s] = shards;
        }
        var manager = Manager(network, FastOptions with { MaxStripesInMemory = 1 });
        await using (var journal = await TransferJournal.OpenAsync(JournalPath, "download-1"))
        {
            var crashing = new CheckingHandler(originals);
            await Assert.ThrowsAsync<IOException>(() => manager.RetrieveAsync(stripes, async (stripe, ct) =>
            {
                if (stripe.Index == 2)
                {
                    throw new IOException("disk full");
                }
                await crashing.HandleAsync(stripe, ct);
            }, journal: journal));
            Assert.Equal([0, 1], crashing.Delivered);
        }
        int fetchesBefore = network.TotalFetches;

        var handler = new CheckingHandler(originals);
        RetrievalResult result;
        await using (var journal = await TransferJournal.OpenAsync(JournalPath, "download-1"))
        {
            result = await manager.RetrieveAsync(stripes, handler.HandleAsync, journal: journal);
        }

        Assert.Equal([2, 3], handler.Delivered);
        Assert.Equal(2, result.StripesSkipped);
        Assert.Equal(2, result.StripesDelivered);
        Assert.Equal(4, network.TotalFetches - fetchesBefore);
    }

    [Fact]
    public async Task A_rerun_of_an_upload_skips_stored_shards_and_returns_their_holders()
    {
        var network = new FakeShardNetwork(5);
        var blobs = Enumerable.Range(1, 6).Select(i => RandomBytes(100, i)).ToArray();
        var manager = Manager(network, FastOptions with { ReplicationFactor = 2 });
        var journalPath = TransferJournal.PathInDirectory(_directory, "upload-1");
        UploadResult first;
        await using (var journal = await TransferJournal.OpenAsync(journalPath, "upload-1"))
        {
            first = await manager.UploadAsync(AsShards(blobs), journal: journal);
        }
        int storesBefore = network.TotalStores;

        UploadResult second;
        await using (var journal = await TransferJournal.OpenAsync(journalPath, "upload-1"))
        {
            second = await manager.UploadAsync(AsShards(blobs), journal: journal);
        }

        Assert.Equal(storesBefore, network.TotalStores);
        Assert.Equal(6, second.SkippedFromJournal);
        Assert.Equal(first.Shards.Select(s => (s.Shard, string.Join(",", s.Holders))),
            second.Shards.Select(s => (s.Shard, string.Join(",", s.Holders))));
    }
}
