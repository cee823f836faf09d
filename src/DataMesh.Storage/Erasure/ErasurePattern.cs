namespace DataMesh.Storage.Erasure;

/// <summary>Which of up to 256 shards survive, plus whether parity is rebuilt: the key of a cached decode plan.</summary>
internal readonly record struct ErasurePattern(ulong Present0, ulong Present1, ulong Present2, ulong Present3, bool DataOnly)
{
    public static ErasurePattern From(ReadOnlySpan<bool> present, bool dataOnly)
    {
        Span<ulong> words = stackalloc ulong[4];
        for (int i = 0; i < present.Length; i++)
        {
            if (present[i])
            {
                words[i >> 6] |= 1UL << (i & 63);
            }
        }

        return new ErasurePattern(words[0], words[1], words[2], words[3], dataOnly);
    }
}
