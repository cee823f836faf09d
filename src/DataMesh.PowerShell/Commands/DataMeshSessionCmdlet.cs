using System.Management.Automation;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>Base of the cmdlets that work through one node, chosen with -Session.</summary>
public abstract class DataMeshSessionCmdlet : DataMeshNodeCmdlet
{
    /// <summary>The node to use (a session, or a node object from Start-DataMeshNode / Get-DataMeshNode).</summary>
    [Parameter]
    [SessionTransformation]
    [ValidateNotNull]
    public DataMeshSession? Session { get; set; }

    /// <summary>-Session, else the default session, else a new client-mode session.</summary>
    private protected DataMeshSession ResolveSession() => ResolveSession(Session);
}
