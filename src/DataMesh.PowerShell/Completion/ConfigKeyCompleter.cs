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

/// <summary>Completes -Value for keys with a closed set of values (booleans and modes), using the -Key already typed.</summary>
public sealed class ConfigValueCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        if (fakeBoundParameters?["Key"] is not string keyName
            || ConfigurationKeys.All.FirstOrDefault(k => string.Equals(k.Name, keyName, StringComparison.OrdinalIgnoreCase)) is not { } key)
        {
            return [];
        }
        string[] values = key.ValueType == typeof(bool) ? ["$true", "$false"]
            : key.ValueType.IsEnum ? Enum.GetNames(key.ValueType).Select(n => n.ToLowerInvariant()).ToArray()
            : [];
        var typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
        return values
            .Where(v => v.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            .Select(v => new CompletionResult(v, v, CompletionResultType.ParameterValue, key.ValueDescription))
            .ToArray();
    }
}
