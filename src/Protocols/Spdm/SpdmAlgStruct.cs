using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>
/// An algorithm structure of NEGOTIATE_ALGORITHMS / ALGORITHMS (DSP0274 1.2 Table 16): AlgType u8, AlgCount u8
/// (FixedAlgCount [7:4] = 2, ExtAlgCount [3:0]), AlgSupported u16, then ExtAlgCount × 4-byte external algorithms.
/// </summary>
public sealed class SpdmAlgStruct
{
    /// <summary>The fixed algorithm field is 2 bytes for every AlgType defined by 1.2.</summary>
    public const int FixedAlgByteCount = 2;

    public SpdmAlgStruct(SpdmAlgStructType type, ushort supported, IReadOnlyList<uint>? external = null)
    {
        external ??= [];
        if (external.Count > 0xF)
        {
            throw new ArgumentException("at most 15 external algorithms", nameof(external));
        }

        Type = type;
        Supported = supported;
        External = external;
    }

    public SpdmAlgStructType Type { get; }

    /// <summary>AlgSupported (request) or the selected algorithm (response).</summary>
    public ushort Supported { get; }

    /// <summary>Extended algorithms, each RegistryID u8, Reserved u8, AlgorithmID u16, kept as one u32.</summary>
    public IReadOnlyList<uint> External { get; }

    public int EncodedLength => 2 + FixedAlgByteCount + (4 * External.Count);

    internal void Write(ref WireWriter writer)
    {
        writer.WriteByte((byte)Type);
        writer.WriteByte((byte)((FixedAlgByteCount << 4) | External.Count));
        writer.WriteUInt16(Supported);
        foreach (var ext in External)
        {
            writer.WriteUInt32(ext);
        }
    }

    internal static SpdmAlgStruct Read(ref WireReader reader)
    {
        var type = reader.ReadByte("AlgStruct.AlgType");
        if (type is < (byte)SpdmAlgStructType.Dhe or > (byte)SpdmAlgStructType.KeySchedule)
        {
            reader.Fail("AlgStruct.AlgType", $"0x{type:X2} is not an algorithm structure type of SPDM 1.2 (2..5)");
        }

        var count = reader.ReadByte("AlgStruct.AlgCount");
        if ((count >> 4) != FixedAlgByteCount)
        {
            reader.Fail("AlgStruct.AlgCount", $"FixedAlgCount {count >> 4} must be {FixedAlgByteCount}");
        }

        var supported = reader.ReadUInt16("AlgStruct.AlgSupported");
        var ext = new uint[count & 0xF];
        for (var i = 0; i < ext.Length; i++)
        {
            ext[i] = reader.ReadUInt32("AlgStruct.AlgExternal");
        }

        return new SpdmAlgStruct((SpdmAlgStructType)type, supported, ext);
    }

    internal static void ReadAll(ref WireReader reader, int count, List<SpdmAlgStruct> into)
    {
        for (var i = 0; i < count; i++)
        {
            var s = Read(ref reader);
            foreach (var seen in into)
            {
                if (seen.Type == s.Type)
                {
                    reader.Fail("AlgStruct.AlgType", $"{s.Type} appears twice");
                }
            }

            into.Add(s);
        }
    }

    internal static void Validate(IReadOnlyList<SpdmAlgStruct> structs, string name)
    {
        if (structs.Count > byte.MaxValue)
        {
            throw new ArgumentException("too many algorithm structures", name);
        }
    }

    internal static int TotalLength(IReadOnlyList<SpdmAlgStruct> structs)
    {
        var total = 0;
        foreach (var s in structs)
        {
            total += s.EncodedLength;
        }

        return total;
    }

    /// <summary>The structure of <paramref name="type"/> in a list, or null.</summary>
    public static SpdmAlgStruct? Find(IReadOnlyList<SpdmAlgStruct> structs, SpdmAlgStructType type)
    {
        foreach (var s in structs)
        {
            if (s.Type == type)
            {
                return s;
            }
        }

        return null;
    }
}
