namespace DataMesh.Storage.Pipeline;

/// <summary>Progress of an encode or decode, reported after each stripe.</summary>
/// <param name="BytesProcessed">Plaintext bytes done so far.</param>
/// <param name="TotalBytes">Plaintext size, when known (unknown when encoding a non-seekable stream).</param>
/// <param name="StripesProcessed">Stripes done so far.</param>
public readonly record struct PipelineProgress(long BytesProcessed, long? TotalBytes, long StripesProcessed);
