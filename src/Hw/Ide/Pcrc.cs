using System.Buffers.Binary;

namespace SevTio.Hw.Ide;

/// <summary>
/// The IDE Plaintext CRC (§6.33.5; reference §1.5): CRC-32 with polynomial 04C11DB7h and seed FFFFFFFFh, as ECRC,
/// over all plaintext payload bytes of one invocation starting at bit 0 of byte 0, complemented.
/// </summary>
/// <remarks>
/// Processing each byte from bit 0 is the reflected form of the polynomial (EDB88320h), the same CRC as Ethernet and
/// zlib. The complemented result goes on the wire least significant byte first, like an Ethernet FCS [derived: the
/// ECRC bit-to-byte mapping figure is not available as text]; the 4 bytes are then encrypted with the payload.
/// </remarks>
public struct Pcrc
{
    private static readonly uint[] Table = BuildTable();
    private uint _state;

    public Pcrc()
    {
        _state = 0xFFFF_FFFF;
    }

    public void Reset() => _state = 0xFFFF_FFFF;

    public void Append(ReadOnlySpan<byte> data)
    {
        var crc = _state;
        var table = Table;
        foreach (var b in data)
        {
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        _state = crc;
    }

    /// <summary>The complemented CRC value.</summary>
    public readonly uint Value => ~_state;

    /// <summary>Writes the 4 PCRC bytes in wire order.</summary>
    public readonly void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt32LittleEndian(destination, Value);

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var p = new Pcrc();
        p.Append(data);
        return p.Value;
    }

    private static uint[] BuildTable()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB8_8320u ^ (c >> 1) : c >> 1;
            }

            t[i] = c;
        }

        return t;
    }
}
