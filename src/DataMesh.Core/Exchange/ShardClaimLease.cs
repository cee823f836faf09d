using DataMesh.Storage.Addressing;

namespace DataMesh.Core.Exchange;

/// <summary>Exclusive access to one shard's claims, from <see cref="ShardClaims.AcquireAsync"/> until disposed.
/// The store or delete of the shard itself belongs inside the lease, so the claims and the shard change together.</summary>
internal sealed class ShardClaimLease : IDisposable
{
    private readonly ShardClaims _claims;
    private readonly List<OwnerTag> _owners;
    private SemaphoreSlim? _stripe;

    internal ShardClaimLease(ShardClaims claims, ContentHash shard, List<OwnerTag> owners, SemaphoreSlim stripe)
    {
        _claims = claims;
        Shard = shard;
        _owners = owners;
        _stripe = stripe;
    }

    public ContentHash Shard { get; }

    /// <summary>The owners claiming the shard now (a copy).</summary>
    public IReadOnlyList<OwnerTag> Owners => [.. _owners];

    /// <summary>Whether <paramref name="owner"/> claims it already or may still claim it (the cap is not reached).</summary>
    public bool CanClaim(OwnerTag owner) => _owners.Contains(owner) || _owners.Count < _claims.MaxOwnersPerShard;

    /// <summary>Records <paramref name="owner"/>'s claim durably. Idempotent.</summary>
    /// <exception cref="ShardClaimsException">The cap is reached, or the claim could not be written.</exception>
    public async Task<ClaimAdded> AddAsync(OwnerTag owner, CancellationToken cancellationToken)
    {
        ThrowIfReleased();
        if (_owners.Contains(owner))
        {
            return ClaimAdded.AlreadyClaimed;
        }
        if (_owners.Count >= _claims.MaxOwnersPerShard)
        {
            throw new ShardClaimsException($"Shard {Shard} already has the maximum of {_claims.MaxOwnersPerShard} owner claims.");
        }
        List<OwnerTag> next = [.. _owners, owner];
        await _claims.WriteAsync(Shard, next, cancellationToken).ConfigureAwait(false);
        _owners.Add(owner);
        return ClaimAdded.Added;
    }

    /// <summary>Removes <paramref name="owner"/>'s claim durably and says what remains.</summary>
    /// <exception cref="ShardClaimsException">The change could not be written (the claim stays).</exception>
    public async Task<ClaimReleased> RemoveAsync(OwnerTag owner, CancellationToken cancellationToken)
    {
        ThrowIfReleased();
        if (!_owners.Contains(owner))
        {
            return _owners.Count == 0 ? ClaimReleased.Unclaimed : ClaimReleased.NotAnOwner;
        }
        List<OwnerTag> next = [.. _owners.Where(o => o != owner)];
        await _claims.WriteAsync(Shard, next, cancellationToken).ConfigureAwait(false);
        _owners.Remove(owner);
        return _owners.Count == 0 ? ClaimReleased.LastClaimRemoved : ClaimReleased.OthersRemain;
    }

    public void Dispose() => Interlocked.Exchange(ref _stripe, null)?.Release();

    private void ThrowIfReleased() => ObjectDisposedException.ThrowIf(_stripe is null, this);
}

internal enum ClaimAdded
{
    Added,
    AlreadyClaimed,
}

/// <summary>What removing one owner's claim left.</summary>
internal enum ClaimReleased
{
    /// <summary>Nobody claims the shard (it was stored without an owner tag); nothing changed.</summary>
    Unclaimed,

    /// <summary>Others claim the shard, this owner does not; nothing changed.</summary>
    NotAnOwner,

    /// <summary>The owner's claim is gone; others still claim the shard.</summary>
    OthersRemain,

    /// <summary>The owner's claim was the last one.</summary>
    LastClaimRemoved,
}
