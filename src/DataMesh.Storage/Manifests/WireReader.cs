namespace DataMesh.Storage.Manifests;

/// <summary>
/// Strict reader for the manifest encoding: fields must appear in the documented order, varints must be
/// minimal, and every length is checked against a limit and the remaining input before it is used.
/// Any violation is a <see cref="ManifestFormatException"/> naming the field and offset.
/// </summary>
internal ref struct WireReader(ReadOnlySpan<byte> input, int baseOffset = 0)
{
    private readonly ReadOnlySpan<byte> _input = input;
    private int _position;

    public readonly int Position => _position;

    public readonly int Remaining => _input.Length - _position;

    public readonly bool AtEnd => _position == _input.Length;

    public ReadOnlySpan<byte> ReadRaw(int length, string what)
    {
        if (length > Remaining)
        {
            throw Truncated(what);
        }
        var slice = _input.Slice(_position, length);
        _position += length;
        return slice;
    }

    public ulong ReadVarint(string what)
    {
        ulong value = 0;
        for (int shift = 0, i = 0; i < 10; i++, shift += 7)
        {
            if (_position >= _input.Length)
            {
                throw Truncated(what);
            }
            byte b = _input[_position++];
            if (i == 9 && b > 1)
            {
                throw Error($"{what} is a varint longer than 64 bits");
            }
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                if (b == 0 && i > 0)
                {
                    throw Error($"{what} is a non-minimal varint");
                }
                return value;
            }
        }
        throw Error($"{what} is a varint longer than 64 bits");
    }

    /// <summary>Reads a varint field's tag and value and checks the value lies in [min, max].</summary>
    public long ReadVarintField(int field, string name, long min, long max)
    {
        ExpectTag(field, WireWriter.VarintType, name);
        ulong value = ReadVarint(name);
        if (value < (ulong)min || value > (ulong)max)
        {
            throw Error($"{name} is {value}, outside the allowed range {min}..{max}");
        }
        return (long)value;
    }

    /// <summary>Reads a length-delimited field whose length must lie in [minLength, maxLength].</summary>
    public ReadOnlySpan<byte> ReadBytesField(int field, string name, int minLength, int maxLength)
    {
        ExpectTag(field, WireWriter.BytesType, name);
        ulong length = ReadVarint($"the length of {name}");
        if (length < (ulong)minLength || length > (ulong)maxLength)
        {
            throw Error(minLength == maxLength
                ? $"{name} is {length} bytes, it must be {minLength}"
                : $"{name} is {length} bytes, allowed {minLength}..{maxLength}");
        }
        return ReadRaw((int)length, name);
    }

    private void ExpectTag(int field, int wireType, string name)
    {
        int at = _position;
        ulong tag = ReadVarint($"the tag of {name}");
        ulong expected = ((ulong)field << 3) | (uint)wireType;
        if (tag != expected)
        {
            throw new ManifestFormatException(
                $"Malformed manifest: expected field {field} ({name}) at offset {baseOffset + at}, found field {tag >> 3} with wire type {tag & 7}.");
        }
    }

    public readonly ManifestFormatException Error(string problem) =>
        new($"Malformed manifest at offset {baseOffset + _position}: {problem}.");

    private readonly ManifestFormatException Truncated(string what) =>
        new($"Manifest truncated: it ends at offset {baseOffset + _input.Length} inside {what}.");
}
