using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using DataMesh.Core.Configuration;

namespace DataMesh.PowerShell.Completion;

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
