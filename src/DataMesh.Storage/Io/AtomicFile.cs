namespace DataMesh.Storage.Io;

/// <summary>Replaces a small file so that readers and crash recovery see either the old or the new content, never
/// a mix: write a temporary sibling, fsync it, rename it over the target. Public because the node's own small files
/// (the shard claims in DataMesh.Core) are written the same way as the chunk store's pins and the catalog.</summary>
public static class AtomicFile
{
    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? throw new ArgumentException("Path has no directory.", nameof(path));
        string temp = Path.Combine(directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            FileStream stream = new(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.Asynchronous,
                PreallocationSize = content.Length,
            });
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>True for the temporary names <see cref="WriteAsync"/> leaves behind when a process dies mid-write.</summary>
    public static bool IsLeftover(string fileName) => fileName.StartsWith('.') && fileName.EndsWith(".tmp", StringComparison.Ordinal);

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary file is ignored by readers and removed at the next open.
        }
        catch (UnauthorizedAccessException)
        {
            // Same as above.
        }
    }
}
