namespace DataMesh.Interop.Tests.Harness;

/// <summary>The last lines a child process wrote to stderr, kept for failure messages.</summary>
internal sealed class OutputTail(int maxLines, int maxLineChars)
{
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();

    public void Add(string line)
    {
        var kept = line.Length <= maxLineChars ? line : string.Concat(line.AsSpan(0, maxLineChars), " …");
        lock (_gate)
        {
            if (_lines.Count == maxLines)
            {
                _lines.Dequeue();
            }

            _lines.Enqueue(kept);
        }
    }

    public override string ToString()
    {
        lock (_gate)
        {
            return _lines.Count == 0 ? "(nothing on stderr)" : string.Join(Environment.NewLine, _lines);
        }
    }
}
