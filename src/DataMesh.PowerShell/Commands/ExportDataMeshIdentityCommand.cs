using System.Management.Automation;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>Returns this node's public user identity: the string others pass to Send-DataMeshFile -Recipient.</summary>
[Cmdlet(VerbsData.Export, "DataMeshIdentity")]
[OutputType(typeof(string))]
public sealed class ExportDataMeshIdentityCommand : DataMeshSessionCmdlet
{
    protected override void EndProcessing()
    {
        DataMeshSession session = ResolveSession();
        WriteObject(session.Node.ExportPublicIdentity());
        base.EndProcessing();
    }
}
