using System.Text;
using DataMesh.Core.Configuration;
using DataMesh.Libp2p.Kad;
using DataMesh.Storage;
using DataMesh.Storage.Addressing;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Dht;

/// <summary>The validator of the "dm" namespace as DataMesh nodes run it: manifest records
/// (<c>/dm/manifest/&lt;hash hex&gt;</c>) are content-addressed and must carry their owner's valid signature; every
/// other key is a node-signed record (<see cref="SignedRecordValidator"/>). The two key shapes cannot collide: a peer
/// id is never the word "manifest".</summary>
internal sealed class DataMeshRecordValidator : IRecordValidator
{
    public static DataMeshRecordValidator Instance { get; } = new();

    public void Validate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (!ManifestRecordKey.TryParse(key, out ContentHash hash))
        {
            SignedRecordValidator.Instance.Validate(key, value);
            return;
        }
        string keyText = RecordValidatorRegistry.KeyText(key);
        if (ContentHash.Compute(value) != hash)
        {
            throw new RecordRejectedException(keyText, "the value is not the manifest this key names (its hash differs)");
        }
        try
        {
            ManifestCodec.Read(value, new ManifestAddress(hash));
        }
        catch (StorageException error)
        {
            throw new RecordRejectedException(keyText, "the value is not a valid signed manifest: " + error.Message);
        }
    }

    public int Select(ReadOnlySpan<byte> key, IReadOnlyList<ReadOnlyMemory<byte>> values)
    {
        ArgumentOutOfRangeException.ThrowIfZero(values.Count);
        // Valid manifest values are byte-identical (they hash to the key), so any will do.
        return ManifestRecordKey.TryParse(key, out _) ? 0 : SignedRecordValidator.Instance.Select(key, values);
    }

    /// <summary>The validators of the allowed namespaces; a namespace DataMesh does not know is refused by the
    /// configuration before it gets here.</summary>
    public static RecordValidatorRegistry Registry(IEnumerable<string> allowedNamespaces)
    {
        ArgumentNullException.ThrowIfNull(allowedNamespaces);
        RecordValidatorRegistry registry = RecordValidatorRegistry.Empty;
        foreach (string ns in allowedNamespaces.Distinct(StringComparer.Ordinal))
        {
            registry = ns == DhtRecordNamespaces.DataMesh
                ? registry.With(ns, Instance)
                : throw new ArgumentException($"No validator is known for the record namespace \"{ns}\".", nameof(allowedNamespaces));
        }
        return registry;
    }
}

/// <summary>The DHT key a manifest is published under: <c>/dm/manifest/&lt;BLAKE3 of the manifest, lower-case hex&gt;</c>,
/// derived from the file key alone, so a receiver needs nothing else to look it up.</summary>
internal static class ManifestRecordKey
{
    private const string Prefix = "/" + DhtRecordNamespaces.DataMesh + "/manifest/";

    public static byte[] For(ManifestAddress fileKey) => Encoding.ASCII.GetBytes(Prefix + fileKey.Hash.ToString());

    public static bool TryParse(ReadOnlySpan<byte> key, out ContentHash hash)
    {
        hash = default;
        if (key.Length != Prefix.Length + ContentHash.TextLength || !key.StartsWith(Encoding.ASCII.GetBytes(Prefix)))
        {
            return false;
        }
        ReadOnlySpan<byte> hex = key[Prefix.Length..];
        Span<char> text = stackalloc char[ContentHash.TextLength];
        for (int i = 0; i < hex.Length; i++)
        {
            if (hex[i] is >= (byte)'A' and <= (byte)'F')
            {
                return false; // one spelling per manifest: lower-case hex, as ContentHash prints it
            }
            text[i] = (char)hex[i];
        }
        return ContentHash.TryParse(text, out hash);
    }
}
