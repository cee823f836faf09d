using System.Management.Automation;
using DataMesh.Core.Node;

namespace DataMesh.PowerShell.Commands;

/// <summary>Error records with stable ids for the DHT cmdlets.</summary>
internal static class DhtErrorRecords
{
    /// <param name="notFoundId">The id for "the lookup found nothing" (PeerNotFound or RecordNotFound).</param>
    public static ErrorRecord From(NodeRequestException error, object? target, string notFoundId)
    {
        var (id, category, action) = error.Kind switch
        {
            NodeErrorKind.InvalidPeerId => (ErrorIds.PeerIdInvalid, ErrorCategory.InvalidArgument, "Pass a peer id such as the PeerId of Get-DataMeshNode."),
            NodeErrorKind.InvalidRecordKey => (ErrorIds.RecordKeyInvalid, ErrorCategory.InvalidArgument,
                "Pass a record name (e.g. 'status') or a full key /dm/<publisher peer id>/<name>; see Get-Help about_DataMesh_Configuration for allowed_record_namespaces."),
            NodeErrorKind.InvalidRecordValue => (ErrorIds.RecordValueInvalid, ErrorCategory.InvalidArgument,
                $"Pass a string or a byte array of at most {DataMeshNode.MaxRecordValueBytes} bytes."),
            NodeErrorKind.NotFoundOnDht => (notFoundId, ErrorCategory.ObjectNotFound,
                "Check the id or key; the node must be connected to the mesh (Start-DataMeshNode -Bootstrap)."),
            _ => (ErrorIds.DhtRequestFailed, ErrorCategory.ConnectionError, "Check that the node is connected to the mesh (Get-DataMeshPeer -RoutingTable)."),
        };
        return new ErrorRecord(error, id, category, target) { ErrorDetails = new ErrorDetails(error.Message) { RecommendedAction = action } };
    }
}
