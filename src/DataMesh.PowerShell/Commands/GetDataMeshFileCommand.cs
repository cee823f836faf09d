using System.Management.Automation;
using DataMesh.Core.Node;
using DataMesh.PowerShell.Output;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>Lists the files this user sent, from the node's local catalog, newest first.</summary>
[Cmdlet(VerbsCommon.Get, "DataMeshFile")]
[OutputType(typeof(DataMeshFileInfo))]
public sealed class GetDataMeshFileCommand : DataMeshSessionCmdlet
{
    /// <summary>File names to show; wildcards allowed.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Only files carrying this tag (case-insensitive).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Tag { get; set; }

    protected override void EndProcessing()
    {
        DataMeshSession session = ResolveSession();
        IReadOnlyList<CatalogFileView> files = WaitFor(session.Node.QueryCatalogAsync(Tag, CancelToken), session.Log);
        WildcardPattern[] patterns = [.. (Name ?? ["*"]).Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase))];
        foreach (CatalogFileView file in files.Where(f => patterns.Any(p => p.IsMatch(f.Name))))
        {
            WriteObject(new DataMeshFileInfo
            {
                FileKey = file.FileKey,
                Name = file.Name,
                Size = file.Size,
                Tags = new DataMeshTagList([.. file.Tags]),
                Created = file.Created,
                ChunkSize = file.ChunkSize,
                DataShards = file.DataShards,
                ParityShards = file.ParityShards,
                Stripes = file.Stripes,
                Recipients = file.Recipients,
            });
        }
        base.EndProcessing();
    }
}
