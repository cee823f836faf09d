using System.Management.Automation;
using System.Net;
using System.Security;
using DataMesh.Core.Configuration;
using DataMesh.PowerShell.Output;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>
/// Starts a DataMesh node in this PowerShell process and makes it the default session. Several nodes may run at
/// once, each with its own -DataPath. With -Wait the command blocks until Ctrl+C, then stops the node.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "DataMeshNode")]
[OutputType(typeof(DataMeshNodeInfo))]
public sealed class StartDataMeshNodeCommand : DataMeshNodeCmdlet
{
    /// <summary>Multiaddrs to listen on; port 0 picks a free port. Overrides network.listen_addresses.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ListenAddress { get; set; }

    /// <summary>The node's data directory (keys, chunk store, catalog). Overrides storage.data_dir.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DataPath { get; set; }

    /// <summary>The config.toml to read instead of DATAMESH_CONFIG or the user's config folder.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    /// <summary>Multiaddrs (with /p2p/&lt;id&gt;) of peers to connect to. Overrides network.bootstrap_nodes.</summary>
    [Parameter]
    [ValidateNotNull]
    public string[]? Bootstrap { get; set; }

    /// <summary>Store nothing for others: only send and receive.</summary>
    [Parameter]
    public SwitchParameter ClientMode { get; set; }

    /// <summary>Block until Ctrl+C, then stop the node. The node runs as a service: it checks the files in its catalog
    /// on the [maintenance] schedule and repairs those below their durability target.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Unlocks a user identity created with New-DataMeshIdentity -Passphrase.</summary>
    [Parameter]
    [ValidateNotNull]
    public SecureString? Passphrase { get; set; }

    protected override void EndProcessing()
    {
        string? configPath = ResolveUserPath(ConfigPath);
        DataMeshConfiguration configuration;
        try
        {
            configuration = ConfigurationLoader.Load(configPath, ConfigurationEnvironment.Process, Log);
        }
        catch (ConfigurationException error)
        {
            FlushLog();
            ThrowTerminatingError(ToErrorRecord(error, configPath));
            return;
        }
        FlushLog();

        DataMeshOptions options = configuration.Options;
        options = options with
        {
            Network = options.Network with
            {
                ListenAddresses = CheckedOverride("network.listen_addresses", ListenAddress) ?? options.Network.ListenAddresses,
                BootstrapNodes = CheckedOverride("network.bootstrap_nodes", Bootstrap) ?? options.Network.BootstrapNodes,
            },
            Storage = options.Storage with { DataDir = ResolveUserPath(DataPath) ?? options.Storage.DataDir },
        };
        bool storageEnabled = !ClientMode && options.Storage.StorageEnabled;
        bool debug = MyInvocation.BoundParameters.ContainsKey("Debug");
        string? passphrase = Passphrase is null ? null : new NetworkCredential(string.Empty, Passphrase).Password;
        // Only a node that keeps running checks and repairs its catalog's files on a schedule ([maintenance]).
        DataMeshSession session = StartSession(options, storageEnabled, options.Network.BootstrapNodes, debug, passphrase, service: Wait);
        WriteObject(DataMeshNodeInfo.From(session));
        if (Wait)
        {
            WaitUntilStopped(session);
        }
    }

    /// <summary>A parameter that overrides a configuration key, checked by that key's own rules, so a value the
    /// configuration would reject (a bootstrap address without /p2p/&lt;peer id&gt;) is rejected here with its message.</summary>
    private IReadOnlyList<string>? CheckedOverride(string key, string[]? value)
    {
        if (value is null)
        {
            return null;
        }
        try
        {
            return (IReadOnlyList<string>)ConfigurationKeys.Get(key).ConvertValue(value);
        }
        catch (ConfigurationException error)
        {
            ThrowTerminatingError(ToErrorRecord(error, value, valueFromUser: true));
            throw;
        }
    }

    private void WaitUntilStopped(DataMeshSession session)
    {
        WriteVerbose($"Running {session} until Ctrl+C.");
        try
        {
            WaitFor(Task.Delay(Timeout.Infinite, CancelToken), session.Log);
        }
        catch (PipelineStoppedException)
        {
            // Ctrl+C: the normal way out.
        }
        finally
        {
            SessionRegistry.Remove(session);
            session.StopAsync().GetAwaiter().GetResult();
        }
    }
}
