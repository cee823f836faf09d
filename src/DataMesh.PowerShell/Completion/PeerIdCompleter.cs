using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Completion;

/// <summary>Completes -PeerId and -Publisher with the peers the default node knows: its routing table and its
/// connections, by id prefix.</summary>
public sealed class PeerIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        if (SessionRegistry.Default is not { IsRunning: true } session)
        {
            return [];
        }
        string typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
        IEnumerable<(string Id, string? Agent)> known = session.Node.GetRoutingTablePeers().Select(p => (p.PeerId, p.AgentVersion))
            .Concat(session.Node.GetConnectedPeers().Select(p => (p.PeerId, p.AgentVersion)));
        return known
            .Where(p => p.Id.StartsWith(typed, StringComparison.Ordinal))
            .DistinctBy(p => p.Id)
            .Select(p => new CompletionResult(p.Id, p.Id, CompletionResultType.ParameterValue, p.Agent ?? p.Id))
            .ToArray();
    }
}
