using System.Management.Automation;
using DataMesh.Core.Configuration;
using DataMesh.PowerShell.Completion;

namespace DataMesh.PowerShell.Commands;

/// <summary>
/// Shows the effective configuration: one entry per key with its value and where it came from
/// (default, file with line, environment variable), or the typed options record with -AsOptions.
/// </summary>
[Cmdlet(VerbsCommon.Get, "DataMeshConfig", DefaultParameterSetName = EntriesSet)]
[OutputType("DataMesh.Core.Configuration.ConfigurationEntry", ParameterSetName = [EntriesSet])]
[OutputType("DataMesh.Core.Configuration.DataMeshOptions", ParameterSetName = [OptionsSet])]
public sealed class GetDataMeshConfigCommand : DataMeshCmdlet
{
    private const string EntriesSet = "Entries";
    private const string OptionsSet = "Options";

    /// <summary>Keys to show (wildcards allowed), e.g. <c>storage.*</c>.</summary>
    [Parameter(Position = 0, ParameterSetName = EntriesSet)]
    [ArgumentCompleter(typeof(ConfigKeyCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Key { get; set; }

    /// <summary>The config file to read instead of DATAMESH_CONFIG or the user's config folder.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Return the typed options record instead of one entry per key.</summary>
    [Parameter(Mandatory = true, ParameterSetName = OptionsSet)]
    public SwitchParameter AsOptions { get; set; }

    protected override void EndProcessing()
    {
        var path = ResolveUserPath(Path);
        DataMeshConfiguration configuration;
        try
        {
            configuration = ConfigurationLoader.Load(path, ConfigurationEnvironment.Process, Log);
        }
        catch (ConfigurationException error)
        {
            FlushLog();
            ThrowTerminatingError(ToErrorRecord(error, path));
            return;
        }
        FlushLog();
        WriteVerbose($"Configuration file: {configuration.ConfigPath}" + (configuration.ConfigFileExists ? string.Empty : " (not present: defaults apply)"));

        if (AsOptions)
        {
            WriteObject(configuration.Options);
            return;
        }
        if (Key is null)
        {
            WriteObject(configuration.Entries, enumerateCollection: true);
            return;
        }
        foreach (var pattern in Key)
        {
            var wildcard = WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase);
            var matches = configuration.Entries.Where(e => wildcard.IsMatch(e.Key)).ToArray();
            if (matches.Length == 0 && !WildcardPattern.ContainsWildcardCharacters(pattern))
            {
                var unknown = new ConfigurationException(ConfigurationErrorKind.UnknownKey,
                    "is not a configuration key; list them with Get-DataMeshConfig", pattern);
                WriteError(ToErrorRecord(unknown, pattern));
                continue;
            }
            WriteObject(matches, enumerateCollection: true);
        }
    }
}
