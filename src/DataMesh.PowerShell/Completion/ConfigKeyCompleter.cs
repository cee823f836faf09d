using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using DataMesh.Core.Configuration;

namespace DataMesh.PowerShell.Completion;

/// <summary>Completes configuration keys (<c>section.key</c>) for -Key, with the description as tooltip.</summary>
public sealed class ConfigKeyCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
        return ConfigurationKeys.All
            .Where(k => k.Name.StartsWith(typed, StringComparison.OrdinalIgnoreCase)
                || k.LeafName.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            .Select(k => new CompletionResult(k.Name, k.Name, CompletionResultType.ParameterValue, $"{k.Description} ({k.ValueDescription})"))
            .ToArray();
    }
}
