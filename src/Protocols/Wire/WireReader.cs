using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SevTio.Protocols.Wire;

/// <summary>
/// Bounds-checked little-endian reader over a message. Each read names its field, so running off the end of a
/// truncated message raises <see cref="ProtocolFormatException"/> for that field instead of an index error.
/// </summary>
public ref struct WireReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly string _message;
    private int _position;

    /// <param name="buffer">The bytes to read.</param>
    /// <param name="message">The message name used as the prefix of field names in errors (e.g. "SPDM.VERSION").</param>
    public WireReader(ReadOnlySpan<byte> buffer, string message)
    {
        _buffer = buffer;
        _message = message;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _buffer.Length - _position;

    public readonly int Length => _buffer.Length;

    public readonly ReadOnlySpan<byte> RemainingBytes => _buffer[_position..];

    public byte ReadByte(string field) => Take(1, field)[0];

    public ushort ReadUInt16(string field) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, field));

    public uint ReadUInt32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, field));

    public ulong ReadUInt64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, field));

    public ushort ReadUInt16BigEndian(string field) => BinaryPrimitives.ReadUInt16BigEndian(Take(2, field));

    public uint ReadUInt32BigEndian(string field) => BinaryPrimitives.ReadUInt32BigEndian(Take(4, field));

    public ReadOnlySpan<byte> ReadBytes(int count, string field)
    {
        if (count < 0)
        {
            Fail(field, $"negative length {count}");
        }

        return Take(count, field);
    }

    /// <summary>Skips reserved bytes. Reserved fields are ignored on receipt, as the specs require.</summary>
    public void Skip(int count, string field) => Take(count, field);

    /// <summary>Rejects bytes after the end of a fixed-size message.</summary>
    public readonly void ExpectEnd()
    {
        if (_position != _buffer.Length)
        {
            Fail("Length", $"{_buffer.Length - _position} unexpected trailing bytes (message is {_buffer.Length} bytes, expected {_position})");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if ((uint)count > (uint)(_buffer.Length - _position))
        {
            Fail(field, $"truncated: needs {count} bytes at offset {_position}, message has {_buffer.Length}");
        }

        var s = _buffer.Slice(_position, count);
        _position += count;
        return s;
    }

    /// <summary>Throws a format error for <paramref name="field"/> of this message.</summary>
    public readonly void Fail(string field, string reason) => Throw(_message, field, reason);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(string message, string field, string reason) =>
        throw new ProtocolFormatException($"{message}.{field}", reason);
}
