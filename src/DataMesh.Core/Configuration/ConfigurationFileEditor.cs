using DataMesh.Core.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tomlyn.Syntax;

namespace DataMesh.Core.Configuration;

/// <summary>A prepared change of one key in a config file: the new text, already validated as a whole.</summary>
public sealed class ConfigurationEdit
{
    internal ConfigurationEdit(string path, ConfigurationKey key, object value, string newText, bool fileExisted, DataMeshConfiguration result)
    {
        Path = path;
        Key = key;
        Value = value;
        NewText = newText;
        FileExisted = fileExisted;
        Result = result;
    }

    public string Path { get; }

    public ConfigurationKey Key { get; }

    /// <summary>The converted, validated value that will be written.</summary>
    public object Value { get; }

    /// <summary>The value as it will appear in the file.</summary>
    public string DisplayValue => Key.FormatValue(Value);

    /// <summary>The whole file after the change: comments, order and all other keys kept.</summary>
    public string NewText { get; }

    public bool FileExisted { get; }

    /// <summary>The file's configuration after the change (defaults + file, no environment layer).</summary>
    public DataMeshConfiguration Result { get; }
}

/// <summary>
/// Changes one key of a config.toml in place through Tomlyn's round-tripping syntax tree, so comments,
/// blank lines and the other keys stay as the user wrote them. The result is validated before anything is written.
/// </summary>
public static class ConfigurationFileEditor
{
    private const string NewFileHeader = "# DataMesh configuration. Every key and its default: Get-Help about_DataMesh_Configuration\n";

    /// <summary>Reads <paramref name="path"/> (a missing file counts as empty) and prepares setting <paramref name="key"/> to <paramref name="value"/>.</summary>
    /// <param name="baseDirectory">What a relative path value is relative to (default: the process's current directory).</param>
    /// <exception cref="ConfigurationException">Unknown key, invalid value, or the file (after the change) is not a valid configuration.</exception>
    public static ConfigurationEdit Prepare(string path, string key, object value, ConfigurationEnvironment? environment = null, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var fullPath = System.IO.Path.GetFullPath(path);
        var text = ConfigurationLoader.ReadFile(fullPath, mustExist: false);
        return PrepareText(text, fullPath, key, value, environment, baseDirectory);
    }

    /// <summary>Prepares the change against <paramref name="existingText"/> (null: the file does not exist yet). Does no I/O.</summary>
    public static ConfigurationEdit PrepareText(string? existingText, string path, string key, object value, ConfigurationEnvironment? environment = null, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        environment ??= ConfigurationEnvironment.Process;
        var configKey = ConfigurationKeys.Get(key);
        var context = new ValueContext(baseDirectory ?? Directory.GetCurrentDirectory(), environment.HomeDirectory);
        if (!configKey.TryConvert(value, context, out var converted, out var error))
        {
            throw new ConfigurationException(ConfigurationErrorKind.InvalidValue, error, configKey.Name);
        }

        var document = TomlSettings.Parse(existingText ?? string.Empty, path);
        var existing = TomlSettings.Flatten(document, path).LastOrDefault(s => s.Key == configKey.Name);
        if (existing is not null)
        {
            ReplaceValue(existing.Node, configKey.ToSyntax(converted));
        }
        else
        {
            AddKey(document, configKey, configKey.ToSyntax(converted));
        }
        var newText = (existingText is null ? NewFileHeader : string.Empty) + document.ToString();
        var result = ConfigurationLoader.FromToml(newText, path, environment);
        return new ConfigurationEdit(path, configKey, converted, newText, existingText is not null, result);
    }

    /// <summary>Writes a prepared edit atomically (a temporary file in the same folder, then a rename).</summary>
    /// <exception cref="ConfigurationException">The file cannot be written.</exception>
    public static void Apply(ConfigurationEdit edit, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(edit);
        var temporary = edit.Path + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(edit.Path)!);
            File.WriteAllText(temporary, edit.NewText);
            File.Move(temporary, edit.Path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new ConfigurationException(ConfigurationErrorKind.FileAccess, "cannot write the configuration file: " + ex.Message, edit.Key.Name, edit.Path, innerException: ex);
        }
        Log.ValueWritten(logger ?? NullLogger.Instance, edit.Key.Name, edit.DisplayValue, edit.Path);
    }

    /// <summary><see cref="Apply(ConfigurationEdit, ILogger?)"/> logging into a host's queue.</summary>
    public static void Apply(ConfigurationEdit edit, PipelineLogQueue log)
    {
        ArgumentNullException.ThrowIfNull(log);
        Apply(edit, log.CreateLogger(typeof(ConfigurationFileEditor).FullName!));
    }

    private static void ReplaceValue(KeyValueSyntax node, ValueSyntax replacement)
    {
        // Comments and spacing around a value hang on its first and last tokens; move them to the new value.
        var oldFirst = FirstToken(node.Value!);
        var oldLast = LastToken(node.Value!);
        var newFirst = FirstToken(replacement);
        var newLast = LastToken(replacement);
        if (oldFirst is not null && newFirst is not null)
        {
            newFirst.LeadingTrivia = oldFirst.LeadingTrivia;
        }
        if (oldLast is not null && newLast is not null)
        {
            newLast.TrailingTrivia = oldLast.TrailingTrivia;
        }
        node.Value = replacement;
    }

    private static void AddKey(DocumentSyntax document, ConfigurationKey key, ValueSyntax value)
    {
        var entry = new KeyValueSyntax(key.LeafName, value);
        var table = document.Tables.OfType<TableSyntax>().LastOrDefault(t => TomlSettings.KeyText(t.Name) == key.Section);
        if (table is not null)
        {
            var count = table.Items.ChildrenCount;
            var last = count > 0 ? table.Items.GetChild(count - 1) : null;
            if (last?.EndOfLineToken is { } endOfLine)
            {
                // The end-of-line token carries what follows the table's last key (blank lines, the next
                // table's comment): hand it to the new last key so it stays after it.
                last.EndOfLineToken = SyntaxFactory.NewLine();
                entry.EndOfLineToken = endOfLine;
            }
            else if (last is not null)
            {
                last.EndOfLineToken = SyntaxFactory.NewLine();
            }
            table.Items.Add(entry);
            return;
        }

        var text = document.ToString()!;
        var newTable = new TableSyntax(DottedKey(key.Section));
        var separator = text.Length == 0 || text.EndsWith("\n\n", StringComparison.Ordinal) ? 0 : text.EndsWith('\n') ? 1 : 2;
        if (separator > 0)
        {
            newTable.OpenBracket!.LeadingTrivia = Enumerable.Range(0, separator).Select(_ => SyntaxFactory.NewLineTrivia()).ToList();
        }
        newTable.Items.Add(entry);
        document.Tables.Add(newTable);
    }

    private static KeySyntax DottedKey(string dotted)
    {
        var parts = dotted.Split('.');
        var key = new KeySyntax(parts[0]);
        foreach (var part in parts.Skip(1))
        {
            key.DotKeys.Add(new DottedKeyItemSyntax(part));
        }
        return key;
    }

    private static SyntaxToken? FirstToken(SyntaxNode node)
    {
        if (node is SyntaxToken token)
        {
            return token;
        }
        for (var i = 0; i < node.ChildrenCount; i++)
        {
            if (node.GetChild(i) is { } child && FirstToken(child) is { } found)
            {
                return found;
            }
        }
        return null;
    }

    private static SyntaxToken? LastToken(SyntaxNode node)
    {
        if (node is SyntaxToken token)
        {
            return token;
        }
        for (var i = node.ChildrenCount - 1; i >= 0; i--)
        {
            if (node.GetChild(i) is { } child && LastToken(child) is { } found)
            {
                return found;
            }
        }
        return null;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The original error is the one worth reporting; a stray temporary file is harmless.
        }
    }
}
