using System.Management.Automation;
using DataMesh.Core.Configuration;
using DataMesh.Core.Diagnostics;

namespace DataMesh.PowerShell.Commands;

/// <summary>
/// Shared plumbing for DataMesh cmdlets: a log queue the engine writes to from any thread, drained here on the
/// pipeline thread into the Verbose/Debug/Warning streams, and the mapping of engine errors to error records.
/// Engine types appear only inside method bodies: the cmdlet assembly is loaded before they can be resolved.
/// </summary>
public abstract class DataMeshCmdlet : PSCmdlet
{
    private object? _log;

    /// <summary>The queue engine calls log into; created on first use, drained by <see cref="FlushLog"/>.</summary>
    private protected PipelineLogQueue Log => (PipelineLogQueue)(_log ??= new PipelineLogQueue(includeDebug: IsDebugRequested()));

    /// <summary>Writes queued engine log entries to the host's streams. Call on the pipeline thread only.</summary>
    private protected void FlushLog()
    {
        if (_log is not PipelineLogQueue log)
        {
            return;
        }
        while (log.TryDequeue(out var entry))
        {
            switch (entry.Level)
            {
                case PipelineLogLevel.Debug:
                    WriteDebug($"[{entry.Category}] {entry.Message}");
                    break;
                case PipelineLogLevel.Verbose:
                    WriteVerbose(entry.Message);
                    break;
                default:
                    WriteWarning(entry.Message);
                    break;
            }
        }
        if (log.DroppedCount > 0)
        {
            WriteWarning($"{log.DroppedCount} log messages were dropped because they arrived faster than they could be shown.");
        }
    }

    protected override void EndProcessing() => FlushLog();

    /// <summary>The user's -Path resolved against the current PowerShell location (which is not the process directory).</summary>
    private protected string? ResolveUserPath(string? path) =>
        string.IsNullOrWhiteSpace(path) ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    private protected string CurrentDirectory => SessionState.Path.CurrentFileSystemLocation.ProviderPath;

    /// <summary>An error record with a stable id and category for a configuration error.</summary>
    private protected static ErrorRecord ToErrorRecord(ConfigurationException error, object? target, bool valueFromUser = false)
    {
        var (id, category) = error.Kind switch
        {
            ConfigurationErrorKind.FileNotFound => (ErrorIds.ConfigNotFound, ErrorCategory.ObjectNotFound),
            ConfigurationErrorKind.UnknownKey when error.Path is null => (ErrorIds.ConfigKeyUnknown, ErrorCategory.InvalidArgument),
            ConfigurationErrorKind.InvalidValue when valueFromUser && error.Path is null => (ErrorIds.ConfigValueInvalid, ErrorCategory.InvalidArgument),
            ConfigurationErrorKind.FileAccess => (ErrorIds.ConfigAccessFailed, ErrorCategory.WriteError),
            _ => (ErrorIds.ConfigInvalid, ErrorCategory.InvalidData),
        };
        var record = new ErrorRecord(error, id, category, target ?? error.Path ?? error.Key);
        record.ErrorDetails = new ErrorDetails(error.Message)
        {
            RecommendedAction = id switch
            {
                ErrorIds.ConfigNotFound => "Check the -Path or DATAMESH_CONFIG value, or create the file with Set-DataMeshConfig.",
                ErrorIds.ConfigKeyUnknown => "List the keys with Get-DataMeshConfig; press Tab after -Key to complete them.",
                ErrorIds.ConfigValueInvalid => "See the accepted values with: Get-Help about_DataMesh_Configuration",
                ErrorIds.ConfigAccessFailed => "Check that the file and its folder are accessible.",
                _ => "Fix the key named in the message (see Get-Help about_DataMesh_Configuration).",
            },
        };
        return record;
    }

    private bool IsDebugRequested()
    {
        if (MyInvocation.BoundParameters.TryGetValue("Debug", out var flag) && flag is SwitchParameter { IsPresent: true })
        {
            return true;
        }
        // Preference variables often hold strings ('Continue'); PowerShell converts them when it reads them.
        var preference = GetVariableValue("DebugPreference");
        return preference is not null
            && Enum.TryParse<ActionPreference>(preference.ToString(), ignoreCase: true, out var value)
            && value is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore);
    }
}
