namespace DataMesh.Storage.Crypto;

/// <summary>How a file's chunks and metadata are encrypted; recorded in its manifest.</summary>
public enum CipherSuite
{
    /// <summary>ChaCha20-Poly1305 with the nonce and associated data described on <see cref="ChunkCipher"/>.</summary>
    ChaCha20Poly1305 = 1,
}
