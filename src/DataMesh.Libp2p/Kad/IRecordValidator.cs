namespace DataMesh.Libp2p.Kad;

/// <summary>Decides which values may be stored under the keys of one namespace ("/&lt;ns&gt;/...") and which of several
/// candidate values is the best. Used on every PUT (ours and inbound) and on every GET answer.</summary>
public interface IRecordValidator
{
    /// <summary>Throws <see cref="RecordRejectedException"/> when <paramref name="value"/> may not be stored under <paramref name="key"/>.</summary>
    void Validate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    /// <summary>Index of the best of <paramref name="values"/> (all already valid) for <paramref name="key"/>.</summary>
    int Select(ReadOnlySpan<byte> key, IReadOnlyList<ReadOnlyMemory<byte>> values);
}

/// <summary>Accepts any value and prefers the first one, like a kad-dht validator `async () => {}` with selector
/// `() => 0`. Only for namespaces whose values carry no authority (tests, interop, caches).</summary>
internal sealed class PermissiveRecordValidator : IRecordValidator
{
    public static PermissiveRecordValidator Instance { get; } = new();

    public void Validate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
    }

    public int Select(ReadOnlySpan<byte> key, IReadOnlyList<ReadOnlyMemory<byte>> values)
    {
        ArgumentOutOfRangeException.ThrowIfZero(values.Count);
        return 0;
    }
}
