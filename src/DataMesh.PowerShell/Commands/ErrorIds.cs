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

    /// <summary>A node could not start (bad listen address, port in use, unreadable data directory or keystore).</summary>
    public const string NodeStartFailed = "DataMesh.NodeStartFailed";

    /// <summary>Another node in this process already uses the -DataPath.</summary>
    public const string DataPathInUse = "DataMesh.DataPathInUse";

    /// <summary>No bootstrap address could be reached when the node started (one dead address among several is a warning).</summary>
    public const string BootstrapFailed = "DataMesh.BootstrapFailed";

    /// <summary>No node runs for Stop-DataMeshNode, or the -Session given has been stopped.</summary>
    public const string SessionNotFound = "DataMesh.SessionNotFound";

    /// <summary>An -Address is not a multiaddr (or is this node's own).</summary>
    public const string AddressInvalid = "DataMesh.AddressInvalid";

    /// <summary>A peer could not be dialed or did not answer a ping.</summary>
    public const string PeerUnreachable = "DataMesh.PeerUnreachable";

    /// <summary>A -Path for Send-DataMeshFile names no file.</summary>
    public const string FileNotFound = "DataMesh.FileNotFound";

    /// <summary>A -Recipient is not a public identity string.</summary>
    public const string RecipientInvalid = "DataMesh.RecipientInvalid";

    /// <summary>A file could not be stored: some shard or its manifest found too few storage nodes.</summary>
    public const string SendFailed = "DataMesh.SendFailed";

    /// <summary>Fewer than 2 storage peers are reachable, so a file sent now would not survive a node loss (-Force sends anyway).</summary>
    public const string InsufficientStoragePeers = "DataMesh.InsufficientStoragePeers";

    /// <summary>A -FileKey is not a "dm1…" file key.</summary>
    public const string FileKeyInvalid = "DataMesh.FileKeyInvalid";

    /// <summary>No reachable peer has the file's manifest.</summary>
    public const string FileNotOnMesh = "DataMesh.FileNotOnMesh";

    /// <summary>The file was not shared with this node's user identity.</summary>
    public const string NotARecipient = "DataMesh.NotARecipient";

    /// <summary>The receive destination exists (use -Force to replace it).</summary>
    public const string DestinationExists = "DataMesh.DestinationExists";

    /// <summary>Too many shards of a stripe are unavailable, or the received data failed verification.</summary>
    public const string ReceiveFailed = "DataMesh.ReceiveFailed";

    /// <summary>Remove-DataMeshFile on a file another user owns (only the manifest's signer may delete it).</summary>
    public const string NotOwner = "DataMesh.NotOwner";

    /// <summary>No peer accepted a Remove-DataMeshFile delete (they refused or did not answer).</summary>
    public const string RemoveFailed = "DataMesh.RemoveFailed";

    /// <summary>Test-DataMeshFile could not survey the file's holders.</summary>
    public const string TestFailed = "DataMesh.TestFailed";

    /// <summary>Repair-DataMeshFile could not restore full redundancy (a stripe is lost, or too few peers took copies).</summary>
    public const string RepairIncomplete = "DataMesh.RepairIncomplete";

    /// <summary>New-DataMeshIdentity found an identity and -Force was not given.</summary>
    public const string IdentityExists = "DataMesh.IdentityExists";

    /// <summary>New-DataMeshIdentity could not write the keystore.</summary>
    public const string IdentityCreateFailed = "DataMesh.IdentityCreateFailed";

    /// <summary>A -PeerId or -Publisher is not a peer id.</summary>
    public const string PeerIdInvalid = "DataMesh.PeerIdInvalid";

    /// <summary>The DHT lookup did not find the peer.</summary>
    public const string PeerNotFound = "DataMesh.PeerNotFound";

    /// <summary>A record -Key is malformed, names another publisher than allowed, or records are disabled by configuration.</summary>
    public const string RecordKeyInvalid = "DataMesh.RecordKeyInvalid";

    /// <summary>A record -Value is neither bytes nor a string, or is too large.</summary>
    public const string RecordValueInvalid = "DataMesh.RecordValueInvalid";

    /// <summary>No peer on the DHT lookup path had a valid value for the record.</summary>
    public const string RecordNotFound = "DataMesh.RecordNotFound";

    /// <summary>A DHT operation failed on the network.</summary>
    public const string DhtRequestFailed = "DataMesh.DhtRequestFailed";
}
