using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Completion;

/// <summary>Completes -PeerId and -Publisher with the peers the default node knows: those it is connected to
/// (tooltip: agent version and address), those in its DHT routing table, and those its transfers have statistics
/// for (tooltip: latency and success rate). Attach it with <c>[ArgumentCompleter(typeof(PeerIdCompleter))]</c>.
/// Never starts a node.</summary>
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
        var tooltips = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var peer in session.Node.GetConnectedPeers())
        {
            tooltips.TryAdd(peer.PeerId, $"connected: {peer.AgentVersion ?? "unidentified"} at {peer.RemoteAddress}");
        }
        foreach (var peer in session.Node.GetRoutingTablePeers())
        {
            tooltips.TryAdd(peer.PeerId, $"routing table: {peer.AgentVersion ?? "unidentified"}, bucket {peer.Bucket}");
        }
        foreach (var stats in session.Node.GetPeerStatisticsText())
        {
            string measured = $"{stats.Statistics.Latency.TotalMilliseconds:0.#} ms, {stats.Statistics.SuccessRate:P0} success";
            tooltips[stats.PeerId] = tooltips.TryGetValue(stats.PeerId, out string? known) ? $"{known}; {measured}" : $"seen: {measured}";
        }
        return tooltips
            .Where(p => p.Key.StartsWith(typed, StringComparison.Ordinal))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new CompletionResult(p.Key, p.Key, CompletionResultType.ParameterValue, p.Value))
            .ToArray();
    }
}
