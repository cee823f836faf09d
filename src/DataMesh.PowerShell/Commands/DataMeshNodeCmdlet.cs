using System.Management.Automation;
using DataMesh.Core.Configuration;
using DataMesh.Core.Diagnostics;
using DataMesh.Core.Node;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>
/// Base of the cmdlets that start or use nodes: finds the session to work through (the one asked for, else the
/// default, else a client-mode node started from config.toml, so a scheduled script can just call
/// Send-DataMeshFile), starts nodes, and maps node errors to error records.
/// </summary>
public abstract class DataMeshNodeCmdlet : DataMeshCmdlet
{
    /// <summary>The session to work through. Terminates the command when <paramref name="requested"/> has been stopped.</summary>
    private protected DataMeshSession ResolveSession(DataMeshSession? requested)
    {
        if (requested is not null)
        {
            if (!requested.IsRunning)
            {
                ThrowTerminatingError(new ErrorRecord(new InvalidOperationException($"{requested} has been stopped."),
                    ErrorIds.SessionNotFound, ErrorCategory.ResourceUnavailable, requested));
            }
            return requested;
        }
        return SessionRegistry.Default ?? StartClientSession();
    }

    private DataMeshSession StartClientSession()
    {
        DataMeshConfiguration configuration;
        try
        {
            configuration = ConfigurationLoader.Load(null, ConfigurationEnvironment.Process, Log);
        }
        catch (ConfigurationException error)
        {
            FlushLog();
            ThrowTerminatingError(ToErrorRecord(error, null));
            throw;
        }
        FlushLog();
        // A client only dials out: it needs no listener, and so cannot collide with a node's port.
        DataMeshOptions options = configuration.Options with { Network = configuration.Options.Network with { ListenAddresses = [] } };
        WriteVerbose($"No DataMesh node runs in this session: starting a client-mode node from {configuration.ConfigPath}.");
        return StartSession(options, storageEnabled: false, options.Network.BootstrapNodes, includeDebug: false);
    }

    /// <summary>Starts a node, registers it as the default session and dials <paramref name="bootstrap"/>; an
    /// unreachable bootstrap address is a warning while another one answered, a non-terminating error naming every
    /// address tried when none did, and a node that cannot start a terminating error.</summary>
    /// <param name="passphrase">Unlocks a passphrase-protected user identity (New-DataMeshIdentity -Passphrase).</param>
    /// <param name="service">A long-running node (Start-DataMeshNode -Wait): it checks and repairs its catalog's files
    /// on the [maintenance] schedule.</param>
    private protected DataMeshSession StartSession(DataMeshOptions options, bool storageEnabled, IReadOnlyList<string> bootstrap, bool includeDebug,
        string? passphrase = null, bool service = false)
    {
        string dataPath = System.IO.Path.GetFullPath(options.Storage.DataDir);
        if (SessionRegistry.FindByDataPath(dataPath) is { } existing)
        {
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(
                    $"{existing} already uses the data path '{dataPath}'; give each node its own -DataPath."),
                ErrorIds.DataPathInUse, ErrorCategory.ResourceBusy, dataPath));
        }
        var log = new PipelineLogQueue(includeDebug);
        DataMeshNode node;
        try
        {
            node = WaitFor(DataMeshNode.StartAsync(options, new NodeStartOptions { StorageEnabled = storageEnabled, Passphrase = passphrase, ScheduledMaintenance = service }, log, CancelToken), log);
        }
        catch (Exception error) when (error is not PipelineStoppedException)
        {
            FlushLog(log);
            ThrowTerminatingError(new ErrorRecord(error, ErrorIds.NodeStartFailed, ErrorCategory.OpenError, dataPath)
            {
                ErrorDetails = new ErrorDetails($"The DataMesh node could not start: {error.Message}")
                {
                    RecommendedAction = "Check the listen addresses (a port may be in use) and that the data path is writable.",
                },
            });
            throw;
        }
        var session = new DataMeshSession(SessionRegistry.NextId(), node, log);
        SessionRegistry.Add(session);
        WriteVerbose($"Started {session} on {string.Join(", ", node.ListenAddressTexts)}.");
        if (bootstrap.Count > 0)
        {
            Connect(session, bootstrap);
        }
        return session;
    }

    private void Connect(DataMeshSession session, IReadOnlyList<string> addresses)
    {
        IReadOnlyList<ConnectAttempt> attempts;
        try
        {
            // Dials each peer, then a DHT self-lookup fills the routing table with the peers closest to this node.
            attempts = WaitFor(session.Node.BootstrapAsync(addresses, CancelToken), session.Log);
        }
        catch (NodeRequestException error)
        {
            WriteError(new ErrorRecord(error, ErrorIds.AddressInvalid, ErrorCategory.InvalidArgument, addresses));
            return;
        }
        // One dead address among several is routine (a node being restarted): the mesh is joined through the others,
        // and the DHT keeps retrying it. Only a node that reached none of them is cut off.
        bool anyReached = attempts.Any(a => a.Succeeded);
        foreach (ConnectAttempt attempt in attempts)
        {
            if (attempt.Succeeded)
            {
                WriteVerbose($"Connected to {attempt.PeerId} at {attempt.Address}.");
            }
            else if (anyReached)
            {
                WriteWarning($"Could not connect to bootstrap peer {attempt.Address}: {attempt.Error}");
            }
        }
        if (!anyReached && attempts.Count > 0)
        {
            string tried = string.Join("; ", attempts.Select(a => $"{a.Address} ({a.Error})"));
            WriteError(new ErrorRecord(new InvalidOperationException($"No bootstrap peer reachable; tried {attempts.Count}: {tried}"),
                ErrorIds.BootstrapFailed, ErrorCategory.ConnectionError, addresses)
            {
                ErrorDetails = new ErrorDetails($"No bootstrap peer reachable; tried {attempts.Count}: {tried}")
                {
                    RecommendedAction = "Check that the bootstrap nodes run and that their addresses (with /p2p/<peer id>) are current; the node keeps retrying them.",
                },
            });
        }
    }

    /// <summary>Maps a failed node request to an error record with a stable id.</summary>
    /// <param name="failedId">The id for failures of the data plane itself (send or receive failed).</param>
    private protected static ErrorRecord ToErrorRecord(NodeRequestException error, object? target, string failedId)
    {
        var (id, category) = error.Kind switch
        {
            NodeErrorKind.InvalidAddress => (ErrorIds.AddressInvalid, ErrorCategory.InvalidArgument),
            NodeErrorKind.InvalidFileKey => (ErrorIds.FileKeyInvalid, ErrorCategory.InvalidArgument),
            NodeErrorKind.InvalidRecipient => (ErrorIds.RecipientInvalid, ErrorCategory.InvalidArgument),
            NodeErrorKind.PeerUnreachable => (ErrorIds.PeerUnreachable, ErrorCategory.ConnectionError),
            NodeErrorKind.DestinationExists => (ErrorIds.DestinationExists, ErrorCategory.ResourceExists),
            NodeErrorKind.NotARecipient => (ErrorIds.NotARecipient, ErrorCategory.PermissionDenied),
            NodeErrorKind.NotOwner => (ErrorIds.NotOwner, ErrorCategory.PermissionDenied),
            NodeErrorKind.FileNotOnMesh => (ErrorIds.FileNotOnMesh, ErrorCategory.ObjectNotFound),
            NodeErrorKind.InsufficientStoragePeers => (ErrorIds.InsufficientStoragePeers, ErrorCategory.ResourceUnavailable),
            NodeErrorKind.Network => (failedId, ErrorCategory.ConnectionError),
            _ => (failedId, ErrorCategory.InvalidData),
        };
        return new ErrorRecord(error, id, category, target);
    }
}
