using System.Security.Cryptography;

namespace DataMesh.Storage.Crypto;

/// <summary>
/// The random 256-bit key that encrypts one file's chunks and metadata. Generate a new one for every file:
/// chunk nonces are derived from the chunk index alone, which is safe only because no key is ever reused.
/// </summary>
/// <remarks>
/// The key lives in a pinned array (so the GC never leaves copies behind) that is zeroed on dispose.
/// It also keeps a few initialised AEAD instances so that sealing a chunk allocates nothing; under
/// contention extra instances are created and discarded, so concurrent use is safe.
/// </remarks>
public sealed class FileKey : IDisposable
{
    public const int Size = 32;

    private readonly byte[] _key;
    private readonly ChaCha20Poly1305?[] _cipherCache;
    private volatile bool _disposed;

    private FileKey(byte[] pinnedKey)
    {
        _key = pinnedKey;
        _cipherCache = new ChaCha20Poly1305?[Math.Clamp(Environment.ProcessorCount, 1, 8)];
    }

    public static FileKey Generate()
    {
        var key = GC.AllocateUninitializedArray<byte>(Size, pinned: true);
        RandomNumberGenerator.Fill(key);
        return new FileKey(key);
    }

    /// <summary>Rebuilds a key recovered by <see cref="KeyWrap"/>; the caller zeroes its own copy.</summary>
    internal static FileKey FromBytes(ReadOnlySpan<byte> key)
    {
        if (key.Length != Size)
        {
            throw new ArgumentException($"A file key is {Size} bytes.", nameof(key));
        }
        var copy = GC.AllocateUninitializedArray<byte>(Size, pinned: true);
        key.CopyTo(copy);
        return new FileKey(copy);
    }

    internal void CopyTo(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _key.CopyTo(destination);
    }

    internal ChaCha20Poly1305 RentCipher()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        for (int i = 0; i < _cipherCache.Length; i++)
        {
            var cached = Interlocked.Exchange(ref _cipherCache[i], null);
            if (cached is not null)
            {
                return cached;
            }
        }
        return new ChaCha20Poly1305(_key);
    }

    internal void ReturnCipher(ChaCha20Poly1305 cipher)
    {
        if (!_disposed)
        {
            for (int i = 0; i < _cipherCache.Length; i++)
            {
                if (Interlocked.CompareExchange(ref _cipherCache[i], cipher, null) is null)
                {
                    // Dispose may have run between the check and the store; make sure nothing survives it.
                    if (_disposed && Interlocked.Exchange(ref _cipherCache[i], null) is { } late)
                    {
                        late.Dispose();
                    }
                    return;
                }
            }
        }
        cipher.Dispose();
    }

    /// <summary>Never reveals key material.</summary>
    public override string ToString() => "FileKey([redacted])";

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        CryptographicOperations.ZeroMemory(_key);
        for (int i = 0; i < _cipherCache.Length; i++)
        {
            Interlocked.Exchange(ref _cipherCache[i], null)?.Dispose();
        }
    }
}
