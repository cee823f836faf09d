using System.Text;

namespace DataMesh.Interop.Tests.Harness;

/// <summary>Reads '\n'-terminated lines from a child's output, refusing lines longer than a limit.</summary>
internal sealed class BoundedLineReader(TextReader reader, int maxLineChars)
{
    private readonly char[] _buffer = new char[16 * 1024];
    private readonly StringBuilder _line = new();
    private int _start;
    private int _end;

    /// <summary>The next line without its terminator, or null at the end of the output.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, '\n', _start, _end - _start);
            var take = (newline >= 0 ? newline : _end) - _start;
            if (_line.Length + take > maxLineChars)
            {
                throw new JsNodeException($"A js process wrote a line longer than {maxLineChars} characters.");
            }

            _line.Append(_buffer, _start, take);
            if (newline >= 0)
            {
                _start = newline + 1;
                return TakeLine();
            }

            _start = 0;
            _end = await reader.ReadAsync(_buffer.AsMemory(), cancellationToken);
            if (_end == 0)
            {
                return _line.Length > 0 ? TakeLine() : null;
            }
        }
    }

    private string TakeLine()
    {
        if (_line.Length > 0 && _line[^1] == '\r')
        {
            _line.Length--;
        }

        var text = _line.ToString();
        _line.Clear();
        return text;
    }
}
