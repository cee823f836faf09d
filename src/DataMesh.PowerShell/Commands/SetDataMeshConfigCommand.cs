using System.Management.Automation;
using DataMesh.Core.Configuration;
using DataMesh.PowerShell.Completion;

namespace DataMesh.PowerShell.Commands;

/// <summary>
/// Changes one key in a config.toml, keeping its comments and layout. The whole file is validated after the
/// change and nothing is written if it would be invalid. Supports -WhatIf and -Confirm.
/// </summary>
[Cmdlet(VerbsCommon.Set, "DataMeshConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DataMesh.Core.Configuration.ConfigurationEntry")]
public sealed class SetDataMeshConfigCommand : DataMeshCmdlet
{
    /// <summary>The full key, <c>section.key</c>, e.g. <c>performance.chunks.max_concurrent_retrievals</c>.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ConfigKeyCompleter))]
    [ValidateNotNullOrEmpty]
    public string Key { get; set; } = string.Empty;

    /// <summary>The new value: a number, $true/$false, a string, or an array of strings.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ConfigValueCompleter))]
    [AllowEmptyCollection]
    public object Value { get; set; } = null!;

    /// <summary>The config file to change instead of DATAMESH_CONFIG or the user's config folder. Created when missing.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Return the changed entry.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var path = ConfigurationLoader.ResolvePath(ResolveUserPath(Path), ConfigurationEnvironment.Process, out _);
        var value = Value is PSObject wrapped ? wrapped.BaseObject : Value;
        if (value is object[] items)
        {
            value = items.Select(i => i is PSObject p ? p.BaseObject : i).ToArray();
        }

        ConfigurationEdit edit;
        try
        {
            edit = ConfigurationFileEditor.Prepare(path, Key, value, ConfigurationEnvironment.Process, CurrentDirectory);
        }
        catch (ConfigurationException error)
        {
            WriteError(ToErrorRecord(error, error.Path is null ? Value : path, valueFromUser: true));
            return;
        }

        if (!ShouldProcess(path, $"Set {edit.Key.Name} = {edit.DisplayValue}"))
        {
            return;
        }
        try
        {
            ConfigurationFileEditor.Apply(edit, Log);
        }
        catch (ConfigurationException error)
        {
            FlushLog();
            WriteError(ToErrorRecord(error, path));
            return;
        }
        FlushLog();
        if (PassThru)
        {
            WriteObject(edit.Result.Entries.Single(e => e.Key == edit.Key.Name));
        }
    }
}
