using System.Management.Automation;
using System.Text;
using DataMesh.Core.Node;
using DataMesh.PowerShell.Output;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>Signs a value with the node's key and stores it in the DHT under /dm/&lt;this node's peer id&gt;/&lt;key&gt;.</summary>
[Cmdlet(VerbsData.Publish, "DataMeshRecord", SupportsShouldProcess = true)]
[OutputType(typeof(DataMeshRecord))]
public sealed class PublishDataMeshRecordCommand : DataMeshSessionCmdlet
{
    /// <summary>The record name (or this node's full key /dm/&lt;peer id&gt;/&lt;name&gt;).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    public string Key { get; set; } = string.Empty;

    /// <summary>The value: a byte array as is, a string as UTF-8.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public object Value { get; set; } = null!;

    protected override void ProcessRecord()
    {
        byte[]? bytes = (Value is PSObject wrapped ? wrapped.BaseObject : Value) switch
        {
            byte[] raw => raw,
            string text => Encoding.UTF8.GetBytes(text),
            _ => null,
        };
        if (bytes is null)
        {
            WriteError(new ErrorRecord(new ArgumentException($"A record value is a string or a byte array, not {Value.GetType().Name}."),
                ErrorIds.RecordValueInvalid, ErrorCategory.InvalidArgument, Value));
            return;
        }
        DataMeshSession session = ResolveSession();
        string target = Key.StartsWith('/') ? Key : $"/dm/{session.PeerId}/{Key}";
        if (!ShouldProcess(target, $"Publish {bytes.Length} bytes"))
        {
            return;
        }
        DhtRecordView published;
        try
        {
            published = WaitFor(session.Node.PublishRecordAsync(Key, bytes, CancelToken), session.Log);
        }
        catch (NodeRequestException error)
        {
            WriteError(DhtErrorRecords.From(error, Key, ErrorIds.RecordNotFound));
            return;
        }
        if (published.Replicas == 0)
        {
            WriteWarning($"No DHT peer stored {published.Key} yet; this node keeps it and republishes it while it runs.");
        }
        WriteObject(RecordOutput.From(published));
    }
}

/// <summary>Turns the Core record view into the cmdlets' output object.</summary>
internal static class RecordOutput
{
    public static DataMeshRecord From(DhtRecordView view) => new()
    {
        Key = view.Key,
        Name = view.Name,
        Publisher = view.Publisher,
        Sequence = view.Sequence,
        Published = view.Published,
        Expires = view.Expires,
        Value = view.Value.ToArray(),
        Replicas = view.Replicas,
    };
}
