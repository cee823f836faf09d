namespace DataMesh.Storage.Catalog;

/// <summary>Identifies one version of a file well enough to notice it was replaced.</summary>
internal readonly record struct FileStamp(bool Exists, long Length, DateTime LastWriteUtc)
{
    public static FileStamp Of(string path)
    {
        FileInfo file = new(path);
        return file.Exists ? new FileStamp(true, file.Length, file.LastWriteTimeUtc) : default;
    }
}
