namespace DataMesh.Storage.Keys;

/// <summary>A public identity string or key pair is malformed (typo, wrong kind of string, invalid key).</summary>
internal sealed class InvalidPublicIdentityException : StorageException
{
    public InvalidPublicIdentityException(string message) : base(message) { }
    public InvalidPublicIdentityException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>The identity file in a data directory cannot be used (damaged, unsafe permissions, already exists).</summary>
public class KeystoreException : StorageException
{
    public KeystoreException(string message) : base(message) { }
    public KeystoreException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>The identity file can be read by other users; it is refused until its permissions are fixed.</summary>
internal sealed class KeystorePermissionsException : KeystoreException
{
    public KeystorePermissionsException(string message) : base(message) { }
}

/// <summary>The passphrase does not open the identity file, or one is required and was not given.</summary>
internal sealed class WrongPassphraseException : KeystoreException
{
    public WrongPassphraseException(string message) : base(message) { }
    public WrongPassphraseException(string message, Exception? innerException) : base(message, innerException) { }
}
