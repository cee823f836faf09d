namespace DataMesh.Storage.Manifests;

/// <summary>The manifest's signature does not verify, or its bytes do not hash to the address they were fetched by.</summary>
internal sealed class ManifestTamperedException : StorageException
{
    public ManifestTamperedException(string message) : base(message) { }
}

/// <summary>The manifest is written in a format version this build cannot read.</summary>
internal sealed class UnsupportedManifestVersionException : StorageException
{
    public UnsupportedManifestVersionException(int version, int supportedVersion)
        : base($"This manifest uses format version {version}; this build of DataMesh reads version {supportedVersion} only. " +
               (version > supportedVersion ? "Upgrade DataMesh to read it." : "It was written by an unsupported older build."))
    {
        Version = version;
        SupportedVersion = supportedVersion;
    }

    public int Version { get; }

    public int SupportedVersion { get; }
}

/// <summary>The manifest is truncated, malformed, or outside the limits in <see cref="ManifestLimits"/>.</summary>
internal sealed class ManifestFormatException : StorageException
{
    public ManifestFormatException(string message) : base(message) { }
    public ManifestFormatException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>A text that should be a file address (<c>dm1…</c>) is not one.</summary>
internal sealed class InvalidManifestAddressException : StorageException
{
    public InvalidManifestAddressException(string message) : base(message) { }
}
