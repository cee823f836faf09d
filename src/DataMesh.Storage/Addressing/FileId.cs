using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace DataMesh.Storage.Addressing;

/// <summary>
/// A random 128-bit identifier chosen when a file is stored. It is bound into every chunk's associated
/// data, so a chunk sealed for one file can never be accepted as part of another.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly struct FileId : IEquatable<FileId>
{
    public const int Size = 16;

    private readonly ulong _w0, _w1;

    private FileId(ReadOnlySpan<byte> bytes)
    {
        _w0 = MemoryMarshal.Read<ulong>(bytes);
        _w1 = MemoryMarshal.Read<ulong>(bytes[8..]);
    }

    public static FileId Generate()
    {
        Span<byte> bytes = stackalloc byte[Size];
        RandomNumberGenerator.Fill(bytes);
        return new FileId(bytes);
    }

    public static FileId FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A file id is {Size} bytes, got {bytes.Length}.", nameof(bytes));
        }
        return new FileId(bytes);
    }

    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"Destination needs {Size} bytes, has {destination.Length}.", nameof(destination));
        }
        MemoryMarshal.Write(destination, in _w0);
        MemoryMarshal.Write(destination[8..], in _w1);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>32 lowercase hex digits.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    public bool Equals(FileId other) => _w0 == other._w0 && _w1 == other._w1;

    public override bool Equals(object? obj) => obj is FileId other && Equals(other);

    public override int GetHashCode() => (int)_w0 ^ (int)(_w0 >> 32);

    public static bool operator ==(FileId left, FileId right) => left.Equals(right);

    public static bool operator !=(FileId left, FileId right) => !left.Equals(right);
}
