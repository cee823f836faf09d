using System.Management.Automation;
using DataMesh.PowerShell.Output;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>Lists the nodes running in this PowerShell process, oldest first; IsDefault marks the one cmdlets use.</summary>
[Cmdlet(VerbsCommon.Get, "DataMeshNode")]
[OutputType(typeof(DataMeshNodeInfo))]
public sealed class GetDataMeshNodeCommand : DataMeshCmdlet
{
    protected override void EndProcessing()
    {
        foreach (DataMeshSession session in SessionRegistry.All.Where(s => s.IsRunning))
        {
            FlushLog(session.Log);
            WriteObject(DataMeshNodeInfo.From(session));
        }
        base.EndProcessing();
    }
}
