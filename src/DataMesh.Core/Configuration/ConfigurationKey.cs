using Tomlyn.Syntax;

namespace DataMesh.Core.Configuration;

/// <summary>
/// One configuration key (<c>section.key</c>): its type, range, default, environment variable and how it is
/// read from TOML, text or a host value. Every layer (file, environment, <c>Set-DataMeshConfig</c>, parameters)
/// goes through the same key so the same checks apply everywhere.
/// </summary>
public abstract class ConfigurationKey
{
    private protected ConfigurationKey(string section, string leafName, string description, string? environmentVariable)
    {
        Section = section;
        LeafName = leafName;
        Name = section + "." + leafName;
        Description = description;
        EnvironmentVariable = environmentVariable;
    }

    /// <summary>The full dotted name, e.g. <c>performance.chunks.max_concurrent_retrievals</c>.</summary>
    public string Name { get; }

    /// <summary>The TOML table the key lives in, e.g. <c>performance.chunks</c>.</summary>
    public string Section { get; }

    /// <summary>The key within its table, e.g. <c>max_concurrent_retrievals</c>.</summary>
    public string LeafName { get; }

    public string Description { get; }

    /// <summary>The <c>DATAMESH_*</c> variable that overrides the file, or null when the key has none.</summary>
    public string? EnvironmentVariable { get; }

    /// <summary>The .NET type of the value (<see cref="int"/>, <see cref="long"/>, <see cref="bool"/>, <see cref="string"/>, string list, enum).</summary>
    public abstract Type ValueType { get; }

    /// <summary>What values are accepted, e.g. "an integer in 1..256".</summary>
    public abstract string ValueDescription { get; }

    /// <summary>The built-in default (the data folder default comes from the current process environment).</summary>
    public object DefaultValue => GetValue(new DataMeshOptions());

    public abstract object GetValue(DataMeshOptions options);

    /// <summary>The value as a TOML literal, e.g. <c>8</c>, <c>"auto"</c>, <c>["/ip4/0.0.0.0/tcp/4001"]</c>.</summary>
    public abstract string FormatValue(object value);

    /// <summary>
    /// Converts and validates a host value (a string as typed on a command line, a number, a bool, a list).
    /// Relative paths resolve against the current directory.
    /// </summary>
    /// <exception cref="ConfigurationException">The value has the wrong type or is out of range.</exception>
    public object ConvertValue(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var context = new ValueContext(Directory.GetCurrentDirectory(), ConfigurationEnvironment.Process.HomeDirectory);
        return TryConvert(value, context, out var converted, out var error)
            ? converted
            : throw new ConfigurationException(ConfigurationErrorKind.InvalidValue, error, Name);
    }

    /// <summary>Returns <paramref name="options"/> with this key set to <paramref name="value"/> (converted and validated).</summary>
    /// <exception cref="ConfigurationException">The value has the wrong type or is out of range.</exception>
    public DataMeshOptions WithValue(DataMeshOptions options, object value)
    {
        ArgumentNullException.ThrowIfNull(options);
        var updated = Apply(options, ConvertValue(value));
        ConfigurationRules.Check(updated, key => key == Name ? new SourceLocation(null, null) : null);
        return updated;
    }

    public override string ToString() => Name;

    internal abstract bool TryRead(ValueSyntax syntax, ValueContext context, out object value, out string error);

    internal abstract bool TryConvert(object value, ValueContext context, out object converted, out string error);

    internal abstract DataMeshOptions Apply(DataMeshOptions options, object value);

    internal abstract ValueSyntax ToSyntax(object value);
}

/// <summary>A key whose values are <typeparamref name="T"/>, read and written by one codec.</summary>
internal sealed class ConfigurationKey<T> : ConfigurationKey where T : notnull
{
    private readonly ConfigValueCodec<T> _codec;
    private readonly Func<DataMeshOptions, T> _get;
    private readonly Func<DataMeshOptions, T, DataMeshOptions> _set;

    public ConfigurationKey(string section, string leafName, string description, string? environmentVariable,
        ConfigValueCodec<T> codec, Func<DataMeshOptions, T> get, Func<DataMeshOptions, T, DataMeshOptions> set)
        : base(section, leafName, description, environmentVariable)
    {
        _codec = codec;
        _get = get;
        _set = set;
    }

    public override Type ValueType => typeof(T);

    public override string ValueDescription => _codec.TypeName;

    public override object GetValue(DataMeshOptions options) => _get(options);

    public override string FormatValue(object value) => _codec.Format((T)value);

    internal override bool TryRead(ValueSyntax syntax, ValueContext context, out object value, out string error)
    {
        var ok = _codec.TryRead(syntax, context, out var typed, out error);
        value = ok ? typed! : default!;
        return ok;
    }

    internal override bool TryConvert(object value, ValueContext context, out object converted, out string error)
    {
        var ok = _codec.TryConvert(value, context, out var typed, out error);
        converted = ok ? typed! : default!;
        return ok;
    }

    internal override DataMeshOptions Apply(DataMeshOptions options, object value) => _set(options, (T)value);

    internal override ValueSyntax ToSyntax(object value) => _codec.ToSyntax((T)value);
}
