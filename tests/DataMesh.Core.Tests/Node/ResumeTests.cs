using DataMesh.Core.Node;
using DataMesh.Core.Transfers;
using DataMesh.Storage.Keys;

namespace DataMesh.Core.Tests.Node;

/// <summary>Interrupted sends and receives, rerun with the same arguments, continue from their journals.</summary>
public sealed class ResumeTests
{
    // 64 KiB chunks, k=4, m=2 (LocalMesh defaults): 40 chunks, 10 full stripes, 60 shards.
    private const int FileSize = 40 * 64 * 1024;
    private const int Stripes = 10, ShardsPerStripe = 6, DataShards = 4;

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    /// <summary>Cancels the transfer once it reported <paramref name="shards"/> shards done: a Ctrl+C mid-transfer.</summary>
    private sealed class CancelAfter(int shards, CancellationTokenSource source) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value)
        {
            if (value.ShardsDone >= shards)
            {
                source.Cancel();
            }
        }
    }

    private static async Task InterruptAsync(Func<IProgress<TransferProgress>, CancellationToken, Task> transfer, int afterShards)
    {
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(Timeout());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => transfer(new CancelAfter(afterShards, interrupt), interrupt.Token));
    }

    private static string[] UploadJournals(DataMeshNode node) =>
        Directory.Exists(Path.Combine(node.DataDirectory, "journals"))
            ? Directory.GetFiles(Path.Combine(node.DataDirectory, "journals"), "*" + TransferJournal.FileExtension)
            : [];

    [Fact]
    public async Task An_interrupted_send_rerun_uploads_only_the_missing_shards()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 6, replication: 2);
        string source = mesh.WriteRandomFile("payload.bin", FileSize, seed: 11);

        await InterruptAsync((progress, ct) => mesh.Client.SendFileAsync(source, progress: progress, cancellationToken: ct), afterShards: 20);
        string journal = Assert.Single(UploadJournals(mesh.Client));
        Assert.DoesNotContain(mesh.Client.Catalog.Query(), _ => true);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(journal));
        }

        long storedBefore = mesh.Client.GetPeerStatistics().Sum(p => p.Successes);

        SendFileResult sent = await mesh.Client.SendFileAsync(source, cancellationToken: Timeout());

        Assert.True(sent.Resumed);
        Assert.InRange(sent.ShardsSkipped, 20, Stripes * ShardsPerStripe - 1);
        Assert.Equal(Stripes * ShardsPerStripe, sent.Shards);
        // The rerun stored 2 copies of each shard the journal did not have, and the manifest's 3 (m+1) copies:
        // acknowledged stores, not attempts, so a slow peer's timeout and retry cannot change the count.
        long storedByRerun = mesh.Client.GetPeerStatistics().Sum(p => p.Successes) - storedBefore;
        Assert.Equal(((sent.Shards - sent.ShardsSkipped) * 2) + 3, storedByRerun);
        Assert.Empty(UploadJournals(mesh.Client));

        string destination = Path.Combine(mesh.Root, "restored.bin");
        await mesh.Client.ReceiveFileAsync(sent.FileKey, destination, cancellationToken: Timeout());
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(destination));
    }

    [Fact]
    public async Task A_send_whose_file_changed_unnoticeably_starts_over_with_a_new_key()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 6, replication: 1);
        string source = mesh.WriteRandomFile("payload.bin", FileSize, seed: 12);
        await InterruptAsync((progress, ct) => mesh.Client.SendFileAsync(source, progress: progress, cancellationToken: ct), afterShards: 12);

        // Same size and modification time, different first chunk: the journal's key must not seal it.
        DateTime written = File.GetLastWriteTimeUtc(source);
        byte[] changed = File.ReadAllBytes(source);
        changed[10] ^= 0x5A;
        File.WriteAllBytes(source, changed);
        File.SetLastWriteTimeUtc(source, written);

        SendFileResult sent = await mesh.Client.SendFileAsync(source, cancellationToken: Timeout());

        Assert.False(sent.Resumed);
        Assert.Equal(0, sent.ShardsSkipped);
        string destination = Path.Combine(mesh.Root, "restored.bin");
        await mesh.Client.ReceiveFileAsync(sent.FileKey, destination, cancellationToken: Timeout());
        Assert.Equal(changed, File.ReadAllBytes(destination));
    }

    [Fact]
    public async Task An_interrupted_receive_rerun_fetches_only_the_missing_stripes()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 6, replication: 2);
        string source = mesh.WriteRandomFile("payload.bin", FileSize, seed: 13);
        SendFileResult sent = await mesh.Client.SendFileAsync(source, cancellationToken: Timeout());
        string destination = Path.Combine(mesh.Root, "restored.bin");

        // With at most 4 stripes in memory, 24 verified shards mean at least 2 stripes were written.
        await InterruptAsync((progress, ct) => mesh.Client.ReceiveFileAsync(sent.FileKey, destination, progress: progress, cancellationToken: ct), afterShards: 24);
        Assert.False(File.Exists(destination));
        string partial = Assert.Single(Directory.GetFiles(mesh.Root, "*.partial"));
        Assert.True(File.Exists(TransferJournal.PathBeside(partial)));

        ReceiveFileResult received = await mesh.Client.ReceiveFileAsync(sent.FileKey, destination, cancellationToken: Timeout());

        Assert.True(received.Resumed);
        Assert.InRange(received.StripesSkipped, 1, Stripes - 1);
        // Exactly k verified shards were taken for each stripe not written before, none for the others.
        Assert.Equal((Stripes - received.StripesSkipped) * DataShards, received.Statistics.Shards);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(destination));
        Assert.Empty(Directory.GetFiles(mesh.Root, "*.partial"));
        Assert.Empty(Directory.GetFiles(mesh.Root, "*" + TransferJournal.FileExtension));
    }

    [Fact]
    public async Task A_damaged_partial_file_is_not_trusted()
    {
        await using LocalMesh mesh = await LocalMesh.StartAsync(storageNodes: 6, replication: 1);
        string source = mesh.WriteRandomFile("payload.bin", FileSize, seed: 14);
        SendFileResult sent = await mesh.Client.SendFileAsync(source, cancellationToken: Timeout());
        string destination = Path.Combine(mesh.Root, "restored.bin");
        await InterruptAsync((progress, ct) => mesh.Client.ReceiveFileAsync(sent.FileKey, destination, progress: progress, cancellationToken: ct), afterShards: 24);
        string partial = Assert.Single(Directory.GetFiles(mesh.Root, "*.partial"));
        using (var stream = new FileStream(partial, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = 100; // inside stripe 0, which the journal says is written
            int original = stream.ReadByte();
            stream.Position = 100;
            stream.WriteByte((byte)(original ^ 0xFF));
        }

        ReceiveFileResult received = await mesh.Client.ReceiveFileAsync(sent.FileKey, destination, cancellationToken: Timeout());

        Assert.Equal(0, received.StripesSkipped);
        Assert.Equal(Stripes * DataShards, received.Statistics.Shards);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(destination));
    }

    [Fact]
    public void The_journal_holds_the_file_key_only_wrapped_to_its_owner()
    {
        using var owner = UserIdentity.Generate();
        using var stranger = UserIdentity.Generate();
        using var keys = UploadKeyMaterial.Generate();

        string token = keys.ToToken(owner.PublicIdentity);

        using (var reopened = UploadKeyMaterial.TryOpen(token, owner))
        {
            Assert.NotNull(reopened);
            Assert.Equal(keys.Id, reopened.Id);
        }
        Assert.Null(UploadKeyMaterial.TryOpen(token, stranger));
        Assert.Null(UploadKeyMaterial.TryOpen(token[..^2], owner));
        Assert.Null(UploadKeyMaterial.TryOpen("v2" + token[2..], owner));
    }
}
