using System.Management.Automation;
using System.Net;
using System.Security;
using DataMesh.Core.Configuration;
using DataMesh.Core.Node;
using DataMesh.PowerShell.Output;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>
/// Creates this user's identity (the signing and key-wrapping keys) in a data directory, optionally encrypted with a
/// passphrase, and outputs its public part. A node creates an unprotected identity on first start; this creates it
/// ahead of time or replaces it (-Force: files sent to the old identity can then no longer be read or removed).
/// </summary>
[Cmdlet(VerbsCommon.New, "DataMeshIdentity", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(DataMeshIdentity))]
public sealed class NewDataMeshIdentityCommand : DataMeshCmdlet
{
    /// <summary>The data directory; default: storage.data_dir from the configuration.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? DataPath { get; set; }

    /// <summary>Encrypts the private keys; nodes using this data directory then need the passphrase to start.</summary>
    [Parameter]
    [ValidateNotNull]
    public SecureString? Passphrase { get; set; }

    /// <summary>Replace an existing identity.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void EndProcessing()
    {
        string dataPath = ResolveDataPath();
        string keystore = UserIdentityFile.PathFor(dataPath);
        if (SessionRegistry.FindByDataPath(System.IO.Path.GetFullPath(dataPath)) is { } running)
        {
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(
                    $"{running} uses '{dataPath}' with the identity it loaded; stop it before creating a new identity there."),
                ErrorIds.DataPathInUse, ErrorCategory.ResourceBusy, dataPath));
        }
        bool exists = UserIdentityFile.Exists(dataPath);
        if (exists && !Force)
        {
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(
                    $"An identity already exists in '{keystore}'. Use -Force to replace it (files sent to it become unreadable)."),
                ErrorIds.IdentityExists, ErrorCategory.ResourceExists, keystore));
        }
        if (exists ? !ShouldReplace(keystore) : !ShouldProcess(keystore, "Create a user identity"))
        {
            return;
        }
        string? passphrase = Passphrase is null ? null : new NetworkCredential(string.Empty, Passphrase).Password;
        if (passphrase is { Length: 0 })
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("An empty passphrase protects nothing; omit -Passphrase for an unprotected identity."),
                ErrorIds.IdentityCreateFailed, ErrorCategory.InvalidArgument, keystore));
        }
        CreatedIdentity created;
        try
        {
            created = UserIdentityFile.Create(dataPath, passphrase, overwrite: Force);
        }
        catch (NodeRequestException error)
        {
            ThrowTerminatingError(new ErrorRecord(error, ErrorIds.IdentityCreateFailed, ErrorCategory.WriteError, keystore));
            return;
        }
        WriteObject(new DataMeshIdentity
        {
            PublicIdentity = created.PublicIdentity,
            Fingerprint = created.Fingerprint,
            KeystorePath = created.KeystorePath,
            PassphraseProtected = created.PassphraseProtected,
        });
        base.EndProcessing();
    }

    /// <summary>
    /// Replacing an identity cannot be undone (files sent to the old one become unreadable), so it asks like a
    /// ConfirmImpact High command: unless -Confirm:$false is given or $ConfirmPreference is None. Creating one is
    /// Medium (the cmdlet's impact), which asks only under -Confirm.
    /// </summary>
    private bool ShouldReplace(string keystore)
    {
        const string action = "Replace the user identity (files sent to the old one become unreadable)";
        if (!ShouldProcess(keystore, action))
        {
            return false; // -WhatIf, or -Confirm answered no
        }
        if (MyInvocation.BoundParameters.ContainsKey("Confirm"))
        {
            return true; // -Confirm asked already; -Confirm:$false means do not ask
        }
        object? preference = GetVariableValue("ConfirmPreference");
        if (preference is not null && Enum.TryParse(preference.ToString(), ignoreCase: true, out ConfirmImpact threshold) && threshold == ConfirmImpact.None)
        {
            return true;
        }
        return ShouldContinue($"{action}: {keystore}?", "Replace the DataMesh user identity");
    }

    private string ResolveDataPath()
    {
        if (ResolveUserPath(DataPath) is { } given)
        {
            return given;
        }
        try
        {
            DataMeshConfiguration configuration = ConfigurationLoader.Load(null, ConfigurationEnvironment.Process, Log);
            FlushLog();
            return System.IO.Path.GetFullPath(configuration.Options.Storage.DataDir);
        }
        catch (ConfigurationException error)
        {
            FlushLog();
            ThrowTerminatingError(ToErrorRecord(error, null));
            throw;
        }
    }
}
