using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>
/// ALGORITHMS (0x63), DSP0274 1.2 Table 19: Param1 = number of algorithm structures; Length u16,
/// MeasurementSpecificationSel u8, OtherParamsSelection u8, MeasurementHashAlgo u32, BaseAsymSel u32, BaseHashSel u32,
/// 12 reserved, ExtAsymSelCount u8, ExtHashSelCount u8, 2 reserved, ExtAsymSel 4·A, ExtHashSel 4·E, structures.
/// </summary>
public sealed class SpdmAlgorithms : SpdmMessage
{
    public const string Name = "SPDM.ALGORITHMS";

    private const int FixedLength = 36;

    public SpdmAlgorithms(
        SpdmMeasurementSpecification measurementSpecificationSel,
        SpdmOpaqueDataFormats otherParamsSelection,
        SpdmMeasurementHashAlgorithms measurementHashAlgo,
        SpdmBaseAsymAlgorithms baseAsymSel,
        SpdmBaseHashAlgorithms baseHashSel,
        IReadOnlyList<SpdmAlgStruct> algStructs,
        IReadOnlyList<uint>? extAsymSel = null,
        IReadOnlyList<uint>? extHashSel = null,
        byte version = SpdmVersion.V12)
        : base(version)
    {
        ArgumentNullException.ThrowIfNull(algStructs);
        SpdmAlgStruct.Validate(algStructs, nameof(algStructs));
        MeasurementSpecificationSel = measurementSpecificationSel;
        OtherParamsSelection = otherParamsSelection;
        MeasurementHashAlgo = measurementHashAlgo;
        BaseAsymSel = baseAsymSel;
        BaseHashSel = baseHashSel;
        AlgStructs = algStructs;
        ExtAsymSel = extAsymSel ?? [];
        ExtHashSel = extHashSel ?? [];
        if (ExtAsymSel.Count > byte.MaxValue || ExtHashSel.Count > byte.MaxValue)
        {
            throw new ArgumentException("too many extended algorithms");
        }
    }

    public SpdmMeasurementSpecification MeasurementSpecificationSel { get; }

    public SpdmOpaqueDataFormats OtherParamsSelection { get; }

    public SpdmMeasurementHashAlgorithms MeasurementHashAlgo { get; }

    public SpdmBaseAsymAlgorithms BaseAsymSel { get; }

    public SpdmBaseHashAlgorithms BaseHashSel { get; }

    public IReadOnlyList<uint> ExtAsymSel { get; }

    public IReadOnlyList<uint> ExtHashSel { get; }

    public IReadOnlyList<SpdmAlgStruct> AlgStructs { get; }

    public override SpdmRequestResponseCode Code => SpdmRequestResponseCode.Algorithms;

    public override int EncodedLength =>
        FixedLength + (4 * (ExtAsymSel.Count + ExtHashSel.Count)) + SpdmAlgStruct.TotalLength(AlgStructs);

    /// <summary>The selection of structure <paramref name="type"/>, 0 when absent.</summary>
    public ushort Selected(SpdmAlgStructType type) => SpdmAlgStruct.Find(AlgStructs, type)?.Supported ?? 0;

    public override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, (byte)AlgStructs.Count, 0);
        writer.WriteUInt16(checked((ushort)EncodedLength));
        writer.WriteByte((byte)MeasurementSpecificationSel);
        writer.WriteByte((byte)OtherParamsSelection);
        writer.WriteUInt32((uint)MeasurementHashAlgo);
        writer.WriteUInt32((uint)BaseAsymSel);
        writer.WriteUInt32((uint)BaseHashSel);
        writer.WriteZeros(12);
        writer.WriteByte((byte)ExtAsymSel.Count);
        writer.WriteByte((byte)ExtHashSel.Count);
        writer.WriteZeros(2);
        foreach (var a in ExtAsymSel)
        {
            writer.WriteUInt32(a);
        }

        foreach (var h in ExtHashSel)
        {
            writer.WriteUInt32(h);
        }

        foreach (var s in AlgStructs)
        {
            s.Write(ref writer);
        }
    }

    public static SpdmAlgorithms Read(ref WireReader reader)
    {
        var start = reader.Position;
        var header = SpdmHeader.Read(ref reader, SpdmRequestResponseCode.Algorithms);
        var length = reader.ReadUInt16("Length");
        var measSpec = (SpdmMeasurementSpecification)reader.ReadByte("MeasurementSpecificationSel");
        var other = (SpdmOpaqueDataFormats)reader.ReadByte("OtherParamsSelection");
        var measHash = (SpdmMeasurementHashAlgorithms)reader.ReadUInt32("MeasurementHashAlgo");
        var asym = (SpdmBaseAsymAlgorithms)reader.ReadUInt32("BaseAsymSel");
        var hash = (SpdmBaseHashAlgorithms)reader.ReadUInt32("BaseHashSel");
        reader.Skip(12, "Reserved");
        var extAsymCount = reader.ReadByte("ExtAsymSelCount");
        var extHashCount = reader.ReadByte("ExtHashSelCount");
        reader.Skip(2, "Reserved");
        var extAsym = SpdmNegotiateAlgorithms.ReadExternal(ref reader, extAsymCount, "ExtAsymSel");
        var extHash = SpdmNegotiateAlgorithms.ReadExternal(ref reader, extHashCount, "ExtHashSel");
        var structs = new List<SpdmAlgStruct>(header.Param1);
        SpdmAlgStruct.ReadAll(ref reader, header.Param1, structs);
        if (reader.Position - start != length)
        {
            reader.Fail("Length", $"says {length} bytes, the fields add up to {reader.Position - start}");
        }

        return new SpdmAlgorithms(measSpec, other, measHash, asym, hash, structs, extAsym, extHash, header.Version);
    }

    public static SpdmAlgorithms Decode(ReadOnlySpan<byte> message) => DecodeExact(message, Name, Read);
}
