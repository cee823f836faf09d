using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace DataMesh.Core.Configuration;

/// <summary>One <c>key = value</c> of a config file, with its full dotted key and 1-based line.</summary>
internal sealed record TomlSetting(string Key, KeyValueSyntax Node, int Line);

/// <summary>
/// Turns a config file's syntax tree into a flat list of settings: tables, dotted keys and inline tables all
/// become full dotted keys. Rejects malformed TOML, tables DataMesh does not know, table arrays and
/// duplicate keys, each with its line.
/// </summary>
internal static class TomlSettings
{
    /// <summary>Config files are small; anything larger is a mistake, refused before it is read into memory.</summary>
    public const int MaxFileBytes = 1024 * 1024;

    public static DocumentSyntax Parse(string text, string path)
    {
        DocumentSyntax document;
        try
        {
            document = SyntaxParser.Parse(text, path, true);
        }
        catch (Exception ex) when (ex is not ConfigurationException)
        {
            throw new ConfigurationException(ConfigurationErrorKind.Syntax, "is not valid TOML: " + ex.Message, path: path, innerException: ex);
        }
        foreach (var diagnostic in document.Diagnostics)
        {
            if (diagnostic.Kind == DiagnosticMessageKind.Error)
            {
                throw new ConfigurationException(ConfigurationErrorKind.Syntax, "is not valid TOML: " + diagnostic.Message,
                    path: path, line: diagnostic.Span.Start.Line + 1);
            }
        }
        return document;
    }

    public static IReadOnlyList<TomlSetting> Flatten(DocumentSyntax document, string path)
    {
        var settings = new List<TomlSetting>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var keyValue in document.KeyValues)
        {
            Add(keyValue, prefix: null);
        }
        foreach (var table in document.Tables)
        {
            var line = LineOf(table);
            var name = KeyText(table.Name);
            if (table is TableArraySyntax)
            {
                throw new ConfigurationException(ConfigurationErrorKind.UnknownKey, "arrays of tables ([[...]]) are not used in a DataMesh configuration", name, path, line);
            }
            if (!ConfigurationKeys.Sections.Contains(name, StringComparer.Ordinal))
            {
                throw new ConfigurationException(ConfigurationErrorKind.UnknownKey,
                    "is not a configuration section; known sections: " + string.Join(", ", ConfigurationKeys.Sections.Select(s => $"[{s}]")), name, path, line);
            }
            foreach (var keyValue in table.Items)
            {
                Add(keyValue, name);
            }
        }
        return settings;

        void Add(KeyValueSyntax keyValue, string? prefix)
        {
            var key = prefix is null ? KeyText(keyValue.Key) : prefix + "." + KeyText(keyValue.Key);
            var line = LineOf(keyValue);
            if (keyValue.Value is InlineTableSyntax inline)
            {
                if (!ConfigurationKeys.Sections.Contains(key, StringComparer.Ordinal))
                {
                    throw new ConfigurationException(ConfigurationErrorKind.UnknownKey, "is not a configuration section", key, path, line);
                }
                foreach (var item in inline.Items)
                {
                    Add(item.KeyValue!, key);
                }
                return;
            }
            if (!seen.TryAdd(key, line))
            {
                throw new ConfigurationException(ConfigurationErrorKind.Syntax, $"is set twice (first on line {seen[key]})", key, path, line);
            }
            settings.Add(new TomlSetting(key, keyValue, line));
        }
    }

    /// <summary>The dotted name of a key, unquoted: <c>a."b.c"</c> is read as the parts a and b.c joined by a dot.</summary>
    public static string KeyText(KeySyntax? key)
    {
        if (key is null)
        {
            return string.Empty;
        }
        var parts = new List<string> { PartText(key.Key) };
        foreach (var dotted in key.DotKeys)
        {
            parts.Add(PartText(dotted.Key));
        }
        return string.Join('.', parts);
    }

    public static int LineOf(SyntaxNode node) => node.Span.Start.Line + 1;

    private static string PartText(BareKeyOrStringValueSyntax? part) => part switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? string.Empty,
        StringValueSyntax quoted => quoted.Value ?? string.Empty,
        _ => string.Empty,
    };
}
