using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Tomlyn.Syntax;

namespace DataMesh.Core.Configuration;

/// <summary>Where a value is interpreted: relative paths resolve against <see cref="BaseDirectory"/>.</summary>
internal readonly record struct ValueContext(string BaseDirectory, string HomeDirectory);

/// <summary>
/// Reads one kind of configuration value from a TOML value node, from text (environment variables,
/// command lines) or from a .NET object, checks it, and writes it back as TOML.
/// Errors are returned as messages without location; the caller adds key, file and line.
/// </summary>
internal abstract class ConfigValueCodec<T> where T : notnull
{
    /// <summary>How the expected value is described in error messages and help, e.g. "integer 1..256".</summary>
    public abstract string TypeName { get; }

    public abstract bool TryRead(ValueSyntax syntax, ValueContext context, [MaybeNullWhen(false)] out T value, out string error);

    public abstract bool TryParseText(string text, ValueContext context, [MaybeNullWhen(false)] out T value, out string error);

    public abstract ValueSyntax ToSyntax(T value);

    /// <summary>The value as a TOML literal, as it would appear in config.toml.</summary>
    public string Format(T value) => ToSyntax(value).ToString()!.Trim();

    /// <summary>Converts what a host passes (a string, a number, a list…) and validates it.</summary>
    public virtual bool TryConvert(object value, ValueContext context, [MaybeNullWhen(false)] out T result, out string error)
    {
        if (value is string text)
        {
            return TryParseText(text, context, out result, out error);
        }
        if (value is T typed)
        {
            // Round-trip through text so the same checks apply whatever the source.
            return TryParseText(Format(typed).Trim('"'), context, out result, out error);
        }
        result = default;
        error = $"expected {TypeName}, got a {value.GetType().Name}";
        return false;
    }

    protected string Expected(ValueSyntax syntax) => $"expected {TypeName}, found {Describe(syntax)}";

    private static string Describe(ValueSyntax syntax) => syntax switch
    {
        IntegerValueSyntax => "an integer",
        FloatValueSyntax => "a float",
        BooleanValueSyntax => "a boolean",
        StringValueSyntax => "a string",
        ArraySyntax => "an array",
        InlineTableSyntax => "an inline table",
        DateTimeValueSyntax => "a date-time",
        _ => "an unsupported value",
    };
}

/// <summary>An integer within an inclusive range.</summary>
internal sealed class IntegerCodec<T>(T min, T max) : ConfigValueCodec<T>
    where T : struct, System.Numerics.IBinaryInteger<T>
{
    public T Min { get; } = min;
    public T Max { get; } = max;

    public override string TypeName => $"an integer in {Min}..{Max}";

    public override bool TryRead(ValueSyntax syntax, ValueContext context, out T value, out string error)
    {
        if (syntax is IntegerValueSyntax integer)
        {
            return Check(integer.Value, out value, out error);
        }
        value = default;
        error = Expected(syntax);
        return false;
    }

    public override bool TryParseText(string text, ValueContext context, out T value, out string error)
    {
        if (long.TryParse(text.Trim().Replace("_", string.Empty, StringComparison.Ordinal), System.Globalization.NumberStyles.AllowLeadingSign,
                System.Globalization.CultureInfo.InvariantCulture, out var parsed))
        {
            return Check(parsed, out value, out error);
        }
        value = default;
        error = $"expected {TypeName}, got '{text}'";
        return false;
    }

    public override bool TryConvert(object value, ValueContext context, out T result, out string error)
    {
        switch (value)
        {
            case int or long or short or byte or uint or ushort or sbyte:
                return Check(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture), out result, out error);
            case ulong big when big <= long.MaxValue:
                return Check((long)big, out result, out error);
            default:
                return base.TryConvert(value, context, out result, out error);
        }
    }

    public override ValueSyntax ToSyntax(T value) => new IntegerValueSyntax(long.CreateChecked(value));

    private bool Check(long candidate, out T value, out string error)
    {
        if (candidate < long.CreateChecked(Min) || candidate > long.CreateChecked(Max))
        {
            value = default;
            error = $"{candidate} is out of range ({Min}..{Max})";
            return false;
        }
        value = T.CreateChecked(candidate);
        error = string.Empty;
        return true;
    }
}

internal sealed class BooleanCodec : ConfigValueCodec<bool>
{
    public override string TypeName => "a boolean (true or false)";

    public override bool TryRead(ValueSyntax syntax, ValueContext context, out bool value, out string error)
    {
        if (syntax is BooleanValueSyntax boolean)
        {
            value = boolean.Value;
            error = string.Empty;
            return true;
        }
        value = false;
        error = Expected(syntax);
        return false;
    }

    public override bool TryParseText(string text, ValueContext context, out bool value, out string error)
    {
        error = string.Empty;
        switch (text.Trim().ToUpperInvariant())
        {
            case "TRUE" or "1" or "YES" or "ON":
                value = true;
                return true;
            case "FALSE" or "0" or "NO" or "OFF":
                value = false;
                return true;
            default:
                value = false;
                error = $"expected {TypeName}, got '{text}'";
                return false;
        }
    }

    public override ValueSyntax ToSyntax(bool value) => new BooleanValueSyntax(value);
}

/// <summary>A string with an optional content check.</summary>
internal class StringCodec(string typeName, Func<string, string?> validate) : ConfigValueCodec<string>
{
    public const int MaxLength = 4096;

    public override string TypeName => typeName;

    public override bool TryRead(ValueSyntax syntax, ValueContext context, [MaybeNullWhen(false)] out string value, out string error)
    {
        if (syntax is StringValueSyntax text)
        {
            return TryParseText(text.Value ?? string.Empty, context, out value, out error);
        }
        value = null;
        error = Expected(syntax);
        return false;
    }

    public override bool TryParseText(string text, ValueContext context, [MaybeNullWhen(false)] out string value, out string error)
    {
        var problem = text.Length > MaxLength ? $"longer than {MaxLength} characters" : validate(text);
        if (problem is not null)
        {
            value = null;
            error = problem;
            return false;
        }
        value = Normalize(text, context);
        error = string.Empty;
        return true;
    }

    protected virtual string Normalize(string text, ValueContext context) => text;

    public override ValueSyntax ToSyntax(string value) => new StringValueSyntax(value);
}

/// <summary>A folder path: <c>~</c> expands to the home folder, relative paths resolve against the context's base.</summary>
internal sealed class PathCodec() : StringCodec("a path", text => string.IsNullOrWhiteSpace(text) ? "must not be empty" : text.IndexOfAny(Path.GetInvalidPathChars()) >= 0 ? "contains characters that are not allowed in a path" : null)
{
    protected override string Normalize(string text, ValueContext context)
    {
        var path = text.Trim();
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal))
        {
            path = Path.Combine(context.HomeDirectory, path.Length > 2 ? path[2..] : string.Empty);
        }
        return Path.GetFullPath(path, context.BaseDirectory);
    }
}

/// <summary>One of an enum's names, written in lower case.</summary>
internal sealed class EnumCodec<TEnum> : ConfigValueCodec<TEnum> where TEnum : struct, Enum
{
    private static readonly string[] Names = Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()).ToArray();

    public override string TypeName => "one of " + string.Join(", ", Names.Select(n => $"\"{n}\""));

    public override bool TryRead(ValueSyntax syntax, ValueContext context, out TEnum value, out string error)
    {
        if (syntax is StringValueSyntax text)
        {
            return TryParseText(text.Value ?? string.Empty, context, out value, out error);
        }
        value = default;
        error = Expected(syntax);
        return false;
    }

    public override bool TryParseText(string text, ValueContext context, out TEnum value, out string error)
    {
        var trimmed = text.Trim();
        if (Names.Contains(trimmed, StringComparer.OrdinalIgnoreCase) && Enum.TryParse(trimmed, ignoreCase: true, out value))
        {
            error = string.Empty;
            return true;
        }
        value = default;
        error = $"expected {TypeName}, got '{text}'";
        return false;
    }

    public override ValueSyntax ToSyntax(TEnum value) => new StringValueSyntax(value.ToString().ToLowerInvariant());
}

/// <summary>An array of strings, each checked; as text, a comma-separated list (empty text is an empty list).</summary>
internal sealed class StringListCodec(string itemName, int maxItems, Func<string, string?> validateItem) : ConfigValueCodec<IReadOnlyList<string>>
{
    public override string TypeName => $"an array of at most {maxItems} {itemName} strings";

    public override bool TryRead(ValueSyntax syntax, ValueContext context, [MaybeNullWhen(false)] out IReadOnlyList<string> value, out string error)
    {
        value = null;
        if (syntax is not ArraySyntax array)
        {
            error = Expected(syntax);
            return false;
        }
        var items = new List<string>();
        foreach (var item in array.Items)
        {
            if (item.Value is not StringValueSyntax text)
            {
                error = $"expected {TypeName}, found an item that is not a string";
                return false;
            }
            items.Add(text.Value ?? string.Empty);
        }
        return Check(items, out value, out error);
    }

    public override bool TryParseText(string text, ValueContext context, [MaybeNullWhen(false)] out IReadOnlyList<string> value, out string error) =>
        Check(text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), out value, out error);

    public override bool TryConvert(object value, ValueContext context, [MaybeNullWhen(false)] out IReadOnlyList<string> result, out string error)
    {
        if (value is string text)
        {
            return TryParseText(text, context, out result, out error);
        }
        if (value is IEnumerable sequence)
        {
            var items = new List<string>();
            foreach (var item in sequence)
            {
                if (item is not string s)
                {
                    result = null;
                    error = $"expected {TypeName}, found an item of type {item?.GetType().Name ?? "null"}";
                    return false;
                }
                items.Add(s);
            }
            return Check(items, out result, out error);
        }
        return base.TryConvert(value, context, out result, out error);
    }

    public override ValueSyntax ToSyntax(IReadOnlyList<string> value) => new ArraySyntax(value.ToArray());

    private bool Check(IReadOnlyList<string> items, [MaybeNullWhen(false)] out IReadOnlyList<string> value, out string error)
    {
        value = null;
        if (items.Count > maxItems)
        {
            error = $"has {items.Count} items, at most {maxItems} are allowed";
            return false;
        }
        foreach (var item in items)
        {
            var problem = item.Length > StringCodec.MaxLength ? $"longer than {StringCodec.MaxLength} characters" : validateItem(item);
            if (problem is not null)
            {
                error = $"'{item}' {problem}";
                return false;
            }
        }
        value = items.ToArray();
        error = string.Empty;
        return true;
    }
}
