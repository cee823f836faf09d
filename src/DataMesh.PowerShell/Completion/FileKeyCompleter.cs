using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Completion;

/// <summary>Completes -FileKey from the default node's local catalog (the files this user stored), with name and
/// size as tooltip. Tab completion never starts a node: with none running it offers nothing.</summary>
public sealed class FileKeyCompleter : IArgumentCompleter
{
    private static readonly TimeSpan CatalogWait = TimeSpan.FromSeconds(2);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        if (SessionRegistry.Default is not { IsRunning: true } session)
        {
            return [];
        }
        string typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
        using var wait = new CancellationTokenSource(CatalogWait);
        try
        {
            // Completion is synchronous by contract; the catalog is a small local file, bounded by the wait above.
            var files = session.Node.QueryCatalogAsync(tag: null, wait.Token).GetAwaiter().GetResult();
            return files
                .Where(f => f.FileKey.StartsWith(typed, StringComparison.OrdinalIgnoreCase)
                    || f.Name.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                .OrderByDescending(f => f.Created)
                .Select(f => new CompletionResult(f.FileKey, $"{f.Name} ({f.FileKey[..Math.Min(12, f.FileKey.Length)]}…)",
                    CompletionResultType.ParameterValue, $"{f.Name}, {f.Size:N0} bytes, {f.Created:u}"))
                .ToArray();
        }
        catch (Exception error) when (error is OperationCanceledException or IOException or Core.DataMeshException)
        {
            return []; // a completer must never throw at the prompt
        }
    }
}
