using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;
using DataMesh.Core.Transfers;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Pipeline;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Node;

/// <summary>
/// The encoder's sink during a send: hands each shard to the upload channel with its stripe's
/// <see cref="StripePlacement"/> (so a stripe's shards land on distinct peers), and, with a journal, records each
/// stripe's shard addresses durably before any of them leaves this machine.
/// </summary>
/// <remarks>
/// Why the record comes first: a resumed upload seals with the key of the interrupted one, and chunk nonces come from
/// the chunk index. If the file changed although its size and time did not, sealing new content under the old key
/// could put two ciphertexts under one nonce on the network. A rerun therefore compares every stripe it encodes with
/// the recorded one and stops (<see cref="SourceChangedException"/>) on the first difference, before that stripe is
/// sent; a stripe without a record never left. If a record cannot be written the journal is abandoned (deleted), so
/// no rerun can resume with that key.
/// </remarks>
/// <param name="storagePeers">Storage peers the layout was chosen for, to cap a stripe's shards (each of its
/// <paramref name="copiesPerShard"/> counted) per peer at the fewest the mesh allows (one each when it has a node per shard);
/// 0 leaves placement uncapped (a fixed layout).</param>
internal sealed class SendShardSink(ChannelWriter<ShardToUpload> writer, int dataShards, int copiesPerShard, int storagePeers, TransferJournal? journal,
    ILogger logger)
    : IStripeShardSink
{
    private readonly ConcurrentDictionary<long, PendingStripe> _stripes = new();
    private TransferJournal? _journal = journal;

    public async ValueTask StripeEncodedAsync(long stripe, IReadOnlyList<ContentHash> shards, int storedDataShards, CancellationToken cancellationToken)
    {
        // Padding slots (from the stored data shards up to k) are never stored, so they take no peer.
        ContentHash[] stored = [.. shards.Take(storedDataShards), .. shards.Skip(dataShards)];
        if (Volatile.Read(ref _journal) is { } journal && stripe <= int.MaxValue)
        {
            ContentHash digest = DigestOf(stored);
            if (journal.TryGetStripeEncoded((int)stripe, out var recorded))
            {
                if (recorded != digest)
                {
                    throw new SourceChangedException(stripe);
                }
            }
            else if (!await journal.RecordStripeEncodedAsync((int)stripe, digest, cancellationToken).ConfigureAwait(false)
                     && Interlocked.CompareExchange(ref _journal, null, journal) == journal)
            {
                // Stripes from here on are not on record, so no rerun may reuse this key: the journal goes.
                Log.JournalDiscarded(logger, journal.FilePath, "it could not record a stripe before sending it");
                await journal.AbandonAsync().ConfigureAwait(false);
            }
        }
        var placement = new StripePlacement(stored)
        {
            MaxShardsPerPeer = storagePeers > 0 ? ((stored.Length * copiesPerShard) + storagePeers - 1) / storagePeers : int.MaxValue,
        };
        _stripes[stripe] = new PendingStripe(placement, stored.Length, stored);
    }

    public async ValueTask PutShardAsync(ContentHash address, ReadOnlyMemory<byte> shard, long stripe, int index, CancellationToken cancellationToken)
    {
        StripePlacement? placement = null;
        int? copies = null;
        if (_stripes.TryGetValue(stripe, out var pending))
        {
            placement = pending.Placement;
            bool first = pending.TakeFirst(address, out int occurrences);
            if (Interlocked.Decrement(ref pending.PutsLeft) == 0)
            {
                _stripes.TryRemove(stripe, out _);
            }
            if (!first)
            {
                return; // the same object as a shard already sent for this stripe, stored once per slot it fills
            }
            copies = occurrences > 1 ? occurrences * copiesPerShard : null;
        }
        // The encoder's buffer is only lent for the call: copy into a pooled buffer the chunk manager returns.
        IMemoryOwner<byte> owner = MemoryPool<byte>.Shared.Rent(shard.Length);
        try
        {
            shard.CopyTo(owner.Memory);
            var upload = new ShardToUpload(address, owner.Memory[..shard.Length], owner)
            {
                Placement = placement,
                Stripe = stripe,
                IsParity = index >= dataShards,
                Copies = copies,
            };
            await writer.WriteAsync(upload, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            owner.Dispose();
            throw;
        }
    }

    /// <summary>Digest of a stripe's stored shard addresses: equal exactly when the stripe sealed to the same shards.</summary>
    internal static ContentHash DigestOf(IReadOnlyList<ContentHash> stored)
    {
        byte[] all = new byte[stored.Count * ContentHash.Size];
        for (int i = 0; i < stored.Count; i++)
        {
            stored[i].WriteTo(all.AsSpan(i * ContentHash.Size));
        }
        return ContentHash.Compute(all);
    }

    private sealed class PendingStripe(StripePlacement placement, int puts, IReadOnlyList<ContentHash> stored)
    {
        private readonly Dictionary<ContentHash, int> _occurrences = stored.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
        private readonly HashSet<ContentHash> _sent = [];

        public StripePlacement Placement { get; } = placement;
        public int PutsLeft = puts;

        /// <summary>Whether this is the first put of <paramref name="address"/> in the stripe, and in how many of its
        /// stored slots that object stands.</summary>
        public bool TakeFirst(ContentHash address, out int occurrences)
        {
            occurrences = _occurrences.GetValueOrDefault(address, 1);
            lock (_sent)
            {
                return _sent.Add(address);
            }
        }
    }
}

/// <summary>The source file changed since the interrupted upload that a rerun was resuming (its content differs
/// although its size and time do not); the upload starts over with a new key.</summary>
internal sealed class SourceChangedException(long stripe)
    : DataMeshException($"Stripe {stripe} of the file differs from the interrupted upload being resumed.")
{
    public long Stripe { get; } = stripe;
}
