using System.Buffers.Binary;

namespace SevTio.Protocols.Wire;

/// <summary>Little-endian writer into a caller-provided buffer; encoders report how many bytes they wrote.</summary>
public ref struct WireWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    public WireWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly Span<byte> Written => _buffer[.._position];

    public void WriteByte(byte value) => Take(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Take(2), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Take(4), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Take(8), value);

    public void WriteUInt16BigEndian(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Take(2), value);

    public void WriteUInt32BigEndian(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Take(4), value);

    public void WriteBytes(ReadOnlySpan<byte> value) => value.CopyTo(Take(value.Length));

    /// <summary>Writes <paramref name="count"/> zero bytes (reserved fields are sent as zero).</summary>
    public void WriteZeros(int count) => Take(count).Clear();

    /// <summary>Reserves space to fill later (e.g. a length known only at the end).</summary>
    public Span<byte> Reserve(int count) => Take(count);

    private Span<byte> Take(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _position))
        {
            throw new ArgumentException($"destination too small: needs {_position + count} bytes, has {_buffer.Length}");
        }

        var s = _buffer.Slice(_position, count);
        _position += count;
        return s;
    }
}
