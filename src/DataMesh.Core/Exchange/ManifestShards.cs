using DataMesh.Storage.Addressing;
using DataMesh.Storage.Manifests;

namespace DataMesh.Core.Exchange;

/// <summary>The shards a manifest refers to that exist somewhere: every parity shard and every data shard of a real
/// chunk. The virtual zero slots of a short last stripe are listed in the manifest but never stored.</summary>
internal static class ManifestShards
{
    /// <summary>Whether stripe <paramref name="stripe"/>'s slot <paramref name="slot"/> is stored (not virtual padding).</summary>
    public static bool IsStored(Manifest manifest, int stripe, int slot)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (slot >= manifest.DataShards)
        {
            return true;
        }
        long chunk = ((long)stripe * manifest.DataShards) + slot;
        return chunk < manifest.ChunkCount;
    }

    /// <summary>Every stored shard of the manifest, stripe by stripe, slot by slot.</summary>
    public static IEnumerable<ContentHash> Stored(Manifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        for (int s = 0; s < manifest.Stripes.Count; s++)
        {
            var shards = manifest.Stripes[s].Shards;
            for (int j = 0; j < shards.Length; j++)
            {
                if (IsStored(manifest, s, j))
                {
                    yield return shards[j];
                }
            }
        }
    }

    /// <summary>True when the bytes start with the manifest magic ("DMMF").</summary>
    public static bool LooksLikeManifest(ReadOnlySpan<byte> bytes) => bytes.StartsWith("DMMF"u8);
}
