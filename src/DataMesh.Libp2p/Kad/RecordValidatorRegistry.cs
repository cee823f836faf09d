using System.Collections.Frozen;
using System.Text;

namespace DataMesh.Libp2p.Kad;

/// <summary>Validators by namespace, the first path segment of a record key ("/dm/..." → "dm"). Immutable: build one
/// with <see cref="With"/>. A key whose namespace has no validator is refused, as js and go kad-dht do, so a DHT
/// node never becomes free storage for arbitrary data.</summary>
public sealed class RecordValidatorRegistry
{
    private readonly FrozenDictionary<string, IRecordValidator> _validators;

    private RecordValidatorRegistry(FrozenDictionary<string, IRecordValidator> validators) => _validators = validators;

    /// <summary>No namespace at all: every record is refused.</summary>
    public static RecordValidatorRegistry Empty { get; } = new(FrozenDictionary<string, IRecordValidator>.Empty);

    /// <summary>The built-in namespaces: "dm" (DataMesh signed records, <see cref="SignedRecordValidator"/>).</summary>
    public static RecordValidatorRegistry Default { get; } = Empty.With(SignedRecordValidator.Namespace, SignedRecordValidator.Instance);

    public IReadOnlyCollection<string> Namespaces => _validators.Keys;

    public RecordValidatorRegistry With(string ns, IRecordValidator validator)
    {
        ArgumentException.ThrowIfNullOrEmpty(ns);
        ArgumentNullException.ThrowIfNull(validator);
        if (ns.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException("A namespace is one path segment, without '/'.", nameof(ns));
        }
        var copy = new Dictionary<string, IRecordValidator>(_validators, StringComparer.Ordinal) { [ns] = validator };
        return new RecordValidatorRegistry(copy.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary>The namespace of a key: the text between the leading '/' and the next one; null when the key has no
    /// such shape.</summary>
    public static string? NamespaceOf(ReadOnlySpan<byte> key)
    {
        if (key.Length < 3 || key[0] != (byte)'/')
        {
            return null;
        }
        int end = key[1..].IndexOf((byte)'/');
        if (end <= 0)
        {
            return null;
        }
        try
        {
            return new UTF8Encoding(false, true).GetString(key.Slice(1, end));
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <exception cref="RecordRejectedException">No validator for the namespace, or the validator refused it.</exception>
    public IRecordValidator Resolve(ReadOnlySpan<byte> key)
    {
        string? ns = NamespaceOf(key);
        if (ns is null)
        {
            throw new RecordRejectedException(KeyText(key), "the key has no \"/<namespace>/\" prefix");
        }
        if (!_validators.TryGetValue(ns, out IRecordValidator? validator))
        {
            throw new RecordRejectedException(KeyText(key), $"no validator is configured for namespace \"{ns}\"");
        }
        return validator;
    }

    public void Validate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Resolve(key).Validate(key, value);

    /// <summary>Printable form of a key for error messages: UTF-8 when it is, hex otherwise, shortened.</summary>
    public static string KeyText(ReadOnlySpan<byte> key)
    {
        ReadOnlySpan<byte> shown = key.Length > 128 ? key[..128] : key;
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(shown);
        }
        catch (DecoderFallbackException)
        {
            text = "0x" + Convert.ToHexStringLower(shown);
        }
        return key.Length > shown.Length ? text + "…" : text;
    }
}
