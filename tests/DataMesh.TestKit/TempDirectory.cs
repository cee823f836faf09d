namespace DataMesh.TestKit;

/// <summary>A fresh directory under the system temp folder, removed on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    /// <param name="label">Starts the directory's name, so a leftover folder shows which test made it.</param>
    public TempDirectory(string label = "test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "datamesh-tests", $"{label}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a leftover temp folder does not fail a test
        }
    }
}
