using System.Management.Automation;
using DataMesh.PowerShell.Output;

namespace DataMesh.PowerShell.Sessions;

/// <summary>Lets -Session take the node object Start-DataMeshNode and Get-DataMeshNode return, not only its Session.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class SessionTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData) => Unwrap(inputData) switch
    {
        DataMeshNodeInfo node => node.Session,
        object[] items => items.Select(i => Unwrap(i) is DataMeshNodeInfo n ? n.Session : Unwrap(i)).ToArray(),
        var other => other,
    };

    private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
}
