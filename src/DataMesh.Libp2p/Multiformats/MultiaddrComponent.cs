namespace DataMesh.Libp2p.Multiformats;

/// <summary>One /protocol/value pair of a multiaddr.</summary>
/// <param name="Protocol">The protocol table entry.</param>
/// <param name="Value">The value in text form; empty for protocols without a value.</param>
/// <param name="ValueBytes">The value in binary form (without the length prefix).</param>
public sealed record MultiaddrComponent(MultiaddrProtocol Protocol, string Value, ReadOnlyMemory<byte> ValueBytes)
{
    public string Name => Protocol.Name;

    public int Code => Protocol.Code;

    public bool Equals(MultiaddrComponent? other) =>
        other is not null && ReferenceEquals(Protocol, other.Protocol) && ValueBytes.Span.SequenceEqual(other.ValueBytes.Span);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Protocol.Code);
        hash.AddBytes(ValueBytes.Span);
        return hash.ToHashCode();
    }

    public override string ToString() => Protocol.Kind == MultiaddrValueKind.None ? "/" + Name : $"/{Name}/{Value}";
}
