using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Completion;

/// <summary>Completes -Address with the dialable addresses (…/p2p/&lt;peer id&gt;) of the peers the default node is
/// connected to, with the agent version as tooltip.</summary>
public sealed class PeerAddressCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        if (SessionRegistry.Default is not { IsRunning: true } session)
        {
            return [];
        }
        string typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
        return session.Node.GetConnectedPeers()
            .SelectMany(p => p.ListenAddresses.DefaultIfEmpty(p.RemoteAddress).Select(a => (Peer: p, Address: $"{a}/p2p/{p.PeerId}")))
            .Where(x => x.Address.StartsWith(typed, StringComparison.OrdinalIgnoreCase)
                || x.Peer.PeerId.StartsWith(typed, StringComparison.Ordinal))
            .DistinctBy(x => x.Address)
            .Select(x => new CompletionResult(x.Address, x.Address, CompletionResultType.ParameterValue, x.Peer.AgentVersion ?? x.Peer.PeerId))
            .ToArray();
    }
}
