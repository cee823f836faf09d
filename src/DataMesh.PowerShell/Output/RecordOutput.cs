using System.Text;

namespace DataMesh.PowerShell.Output;

/// <summary>A signed DHT record (Publish-DataMeshRecord, Get-DataMeshRecord).</summary>
public sealed class DataMeshRecord
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The full key: /dm/&lt;publisher peer id&gt;/&lt;name&gt;.</summary>
    public required string Key { get; init; }

    public required string Name { get; init; }

    /// <summary>The peer id that signed it (only it can publish under this key).</summary>
    public required string Publisher { get; init; }

    /// <summary>The version; the highest wins. DataMesh uses the publication time in Unix milliseconds.</summary>
    public required ulong Sequence { get; init; }

    /// <summary>When the publisher signed this version; null when the sequence number is not a time.</summary>
    public required DateTimeOffset? Published { get; init; }

    /// <summary>Until when the peers holding this version keep it at least (36 h after storing it); a running
    /// publisher republishes every 12 h, which extends it.</summary>
    public required DateTimeOffset? Expires { get; init; }

    public required byte[] Value { get; init; }

    /// <summary>Peers that accepted the record (Publish-DataMeshRecord); null for Get-DataMeshRecord.</summary>
    public required int? Replicas { get; init; }

    public int Length => Value.Length;

    /// <summary>The value as UTF-8 text; null when the bytes are not valid UTF-8.</summary>
    public string? ValueText
    {
        get
        {
            try
            {
                return StrictUtf8.GetString(Value);
            }
            catch (DecoderFallbackException)
            {
                return null;
            }
        }
    }
}
