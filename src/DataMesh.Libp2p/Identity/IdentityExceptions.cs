namespace DataMesh.Libp2p.Identity;

/// <summary>A key of a type this implementation does not support (RSA, ECDSA).</summary>
internal sealed class UnsupportedKeyTypeException : Libp2pException
{
    public UnsupportedKeyTypeException(KeyType keyType)
        : base($"{keyType} keys are not supported; this implementation supports Ed25519 and Secp256k1 identity keys.")
    {
        KeyType = keyType;
    }

    public UnsupportedKeyTypeException(string message) : base(message) { }

    public KeyType? KeyType { get; }
}

/// <summary>Key bytes that do not form a valid key of their declared type, or a corrupt key encoding.</summary>
internal sealed class InvalidKeyException : Libp2pException
{
    public InvalidKeyException(string message) : base(message) { }
    public InvalidKeyException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>A peer id string or multihash that is not a valid libp2p peer id.</summary>
internal sealed class InvalidPeerIdException : Libp2pException
{
    public InvalidPeerIdException(string message) : base(message) { }
    public InvalidPeerIdException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>An identity key file that other users could read; the key must stay private to its owner.</summary>
internal sealed class InsecureIdentityFileException : Libp2pException
{
    public InsecureIdentityFileException(string message) : base(message) { }
}
