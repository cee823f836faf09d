namespace DataMesh.PowerShell.Commands;

/// <summary>Stable error ids (the first part of FullyQualifiedErrorId) that scripts may match on.</summary>
public static class ErrorIds
{
    /// <summary>The configuration (file, environment variable) is malformed, has an unknown key or a bad value.</summary>
    public const string ConfigInvalid = "DataMesh.ConfigInvalid";

    /// <summary>An explicitly named configuration file does not exist.</summary>
    public const string ConfigNotFound = "DataMesh.ConfigNotFound";

    /// <summary>A -Key names no configuration key.</summary>
    public const string ConfigKeyUnknown = "DataMesh.ConfigKeyUnknown";

    /// <summary>A -Value for Set-DataMeshConfig has the wrong type or is out of range.</summary>
    public const string ConfigValueInvalid = "DataMesh.ConfigValueInvalid";

    /// <summary>The configuration file could not be read or written.</summary>
    public const string ConfigAccessFailed = "DataMesh.ConfigAccessFailed";
}
