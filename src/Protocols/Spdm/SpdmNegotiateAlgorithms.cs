using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>
/// NEGOTIATE_ALGORITHMS (0xE3), DSP0274 1.2 Table 14: Param1 = number of algorithm structures; Length u16 (whole
/// message), MeasurementSpecification u8, OtherParamsSupport u8, BaseAsymAlgo u32, BaseHashAlgo u32, 12 reserved,
/// ExtAsymCount u8, ExtHashCount u8, 2 reserved, ExtAsym 4·A, ExtHash 4·E, then the algorithm structures.
/// </summary>
public sealed class SpdmNegotiateAlgorithms : SpdmMessage
{
    public const string Name = "SPDM.NEGOTIATE_ALGORITHMS";

    private const int FixedLength = 32;

    public SpdmNegotiateAlgorithms(
        SpdmMeasurementSpecification measurementSpecification,
        SpdmOpaqueDataFormats otherParamsSupport,
        SpdmBaseAsymAlgorithms baseAsymAlgo,
        SpdmBaseHashAlgorithms baseHashAlgo,
        IReadOnlyList<SpdmAlgStruct> algStructs,
        IReadOnlyList<uint>? extAsym = null,
        IReadOnlyList<uint>? extHash = null,
        byte version = SpdmVersion.V12)
        : base(version)
    {
        ArgumentNullException.ThrowIfNull(algStructs);
        SpdmAlgStruct.Validate(algStructs, nameof(algStructs));
        MeasurementSpecification = measurementSpecification;
        OtherParamsSupport = otherParamsSupport;
        BaseAsymAlgo = baseAsymAlgo;
        BaseHashAlgo = baseHashAlgo;
        AlgStructs = algStructs;
        ExtAsym = extAsym ?? [];
        ExtHash = extHash ?? [];
        if (ExtAsym.Count > byte.MaxValue || ExtHash.Count > byte.MaxValue)
        {
            throw new ArgumentException("too many extended algorithms");
        }
    }

    public SpdmMeasurementSpecification MeasurementSpecification { get; }

    public SpdmOpaqueDataFormats OtherParamsSupport { get; }

    public SpdmBaseAsymAlgorithms BaseAsymAlgo { get; }

    public SpdmBaseHashAlgorithms BaseHashAlgo { get; }

    public IReadOnlyList<uint> ExtAsym { get; }

    public IReadOnlyList<uint> ExtHash { get; }

    public IReadOnlyList<SpdmAlgStruct> AlgStructs { get; }

    public override SpdmRequestResponseCode Code => SpdmRequestResponseCode.NegotiateAlgorithms;

    public override int EncodedLength =>
        FixedLength + (4 * (ExtAsym.Count + ExtHash.Count)) + SpdmAlgStruct.TotalLength(AlgStructs);

    public override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, (byte)AlgStructs.Count, 0);
        writer.WriteUInt16(checked((ushort)EncodedLength));
        writer.WriteByte((byte)MeasurementSpecification);
        writer.WriteByte((byte)OtherParamsSupport);
        writer.WriteUInt32((uint)BaseAsymAlgo);
        writer.WriteUInt32((uint)BaseHashAlgo);
        writer.WriteZeros(12);
        writer.WriteByte((byte)ExtAsym.Count);
        writer.WriteByte((byte)ExtHash.Count);
        writer.WriteZeros(2);
        foreach (var a in ExtAsym)
        {
            writer.WriteUInt32(a);
        }

        foreach (var h in ExtHash)
        {
            writer.WriteUInt32(h);
        }

        foreach (var s in AlgStructs)
        {
            s.Write(ref writer);
        }
    }

    public static SpdmNegotiateAlgorithms Read(ref WireReader reader)
    {
        var start = reader.Position;
        var header = SpdmHeader.Read(ref reader, SpdmRequestResponseCode.NegotiateAlgorithms);
        var length = reader.ReadUInt16("Length");
        var measSpec = (SpdmMeasurementSpecification)reader.ReadByte("MeasurementSpecification");
        var other = (SpdmOpaqueDataFormats)reader.ReadByte("OtherParamsSupport");
        var asym = (SpdmBaseAsymAlgorithms)reader.ReadUInt32("BaseAsymAlgo");
        var hash = (SpdmBaseHashAlgorithms)reader.ReadUInt32("BaseHashAlgo");
        reader.Skip(12, "Reserved");
        var extAsymCount = reader.ReadByte("ExtAsymCount");
        var extHashCount = reader.ReadByte("ExtHashCount");
        reader.Skip(2, "Reserved");
        var extAsym = ReadExternal(ref reader, extAsymCount, "ExtAsym");
        var extHash = ReadExternal(ref reader, extHashCount, "ExtHash");
        var structs = new List<SpdmAlgStruct>(header.Param1);
        SpdmAlgStruct.ReadAll(ref reader, header.Param1, structs);
        if (reader.Position - start != length)
        {
            reader.Fail("Length", $"says {length} bytes, the fields add up to {reader.Position - start}");
        }

        return new SpdmNegotiateAlgorithms(measSpec, other, asym, hash, structs, extAsym, extHash, header.Version);
    }

    public static SpdmNegotiateAlgorithms Decode(ReadOnlySpan<byte> message) => DecodeExact(message, Name, Read);

    internal static uint[] ReadExternal(ref WireReader reader, int count, string field)
    {
        var values = new uint[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = reader.ReadUInt32(field);
        }

        return values;
    }
}
