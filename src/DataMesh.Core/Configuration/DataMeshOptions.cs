namespace DataMesh.Core.Configuration;

/// <summary>The whole, validated node configuration. Immutable: callers layer their own values with <c>with</c>.</summary>
public sealed record DataMeshOptions
{
    public NetworkOptions Network { get; init; } = new();
    public StorageOptions Storage { get; init; } = new();
    public PerformanceOptions Performance { get; init; } = new();
    public SecurityOptions Security { get; init; } = new();
    public MaintenanceOptions Maintenance { get; init; } = new();
}
