namespace DataMesh.Core.Configuration;

/// <summary>The <c>[maintenance]</c> section: the scheduled check and repair of the files in a service node's catalog.</summary>
public sealed record MaintenanceOptions
{
    public const int MinCheckIntervalSecs = 60;
    public const int MaxCheckIntervalSecs = 7 * 24 * 3600;
    public const int MaxFilesPerRun = 100_000;

    /// <summary>Whether a node running as a service (<c>Start-DataMeshNode -Wait</c>) checks and repairs its catalog's
    /// files on a schedule. Nodes the cmdlets start for a session never do.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Seconds between the starts of two checks.</summary>
    public int CheckIntervalSecs { get; init; } = 3600;

    /// <summary>Files checked per run at most; the next run goes on where this one stopped, so a large catalog is
    /// covered over several runs and one run's work stays bounded.</summary>
    public int FilesPerRun { get; init; } = 100;
}
