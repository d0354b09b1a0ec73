using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>DMTFSpecMeasurementValueType (DSP0274 1.2 Table 45): bits 6:0 kind, bit 7 = raw bit stream.</summary>
public enum SpdmDmtfMeasurementValueType : byte
{
    ImmutableRom = 0,
    MutableFirmware = 1,
    HardwareConfiguration = 2,
    FirmwareConfiguration = 3,
    MeasurementManifest = 4,
    DeviceMode = 5,
    Version = 6,
    SecureVersionNumber = 7,
}

/// <summary>
/// A measurement block in DMTF format (DSP0274 1.2 Tables 43–45): Index u8, MeasurementSpecification u8 (bit 0 =
/// DMTF), MeasurementSize u16, then DMTFSpecMeasurementValueType u8, DMTFSpecMeasurementValueSize u16 and the value
/// (a digest, or the raw bit stream when bit 7 of the type is set).
/// </summary>
public sealed class SpdmMeasurementBlock
{
    public const byte RawBitStreamFlag = 0x80;

    public SpdmMeasurementBlock(byte index, byte valueType, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value.Length, ushort.MaxValue - 3);
        if (index is 0)
        {
            throw new ArgumentOutOfRangeException(nameof(index), "measurement indices start at 1");
        }

        Index = index;
        ValueType = valueType;
        Value = value;
    }

    public byte Index { get; }

    /// <summary>DMTFSpecMeasurementValueType including the raw-bit-stream bit 7.</summary>
    public byte ValueType { get; }

    public byte[] Value { get; }

    public bool IsRawBitStream => (ValueType & RawBitStreamFlag) != 0;

    public SpdmDmtfMeasurementValueType Kind => (SpdmDmtfMeasurementValueType)(ValueType & 0x7F);

    public int EncodedLength => 4 + 3 + Value.Length;

    public void Write(ref WireWriter writer)
    {
        writer.WriteByte(Index);
        writer.WriteByte((byte)SpdmMeasurementSpecification.Dmtf);
        writer.WriteUInt16((ushort)(3 + Value.Length));
        writer.WriteByte(ValueType);
        writer.WriteUInt16((ushort)Value.Length);
        writer.WriteBytes(Value);
    }

    public byte[] Encode()
    {
        var bytes = new byte[EncodedLength];
        var writer = new WireWriter(bytes);
        Write(ref writer);
        return bytes;
    }

    public static SpdmMeasurementBlock Read(ref WireReader reader)
    {
        var index = reader.ReadByte("MeasurementBlock.Index");
        if (index == 0)
        {
            reader.Fail("MeasurementBlock.Index", "index 0 is reserved");
        }

        var spec = reader.ReadByte("MeasurementBlock.MeasurementSpecification");
        if (spec != (byte)SpdmMeasurementSpecification.Dmtf)
        {
            reader.Fail("MeasurementBlock.MeasurementSpecification", $"0x{spec:X2}: only the DMTF format (0x01) is understood");
        }

        var size = reader.ReadUInt16("MeasurementBlock.MeasurementSize");
        var type = reader.ReadByte("MeasurementBlock.DMTFSpecMeasurementValueType");
        var valueSize = reader.ReadUInt16("MeasurementBlock.DMTFSpecMeasurementValueSize");
        if (size != valueSize + 3)
        {
            reader.Fail("MeasurementBlock.MeasurementSize", $"{size} disagrees with a {valueSize}-byte DMTF value (+3)");
        }

        var value = reader.ReadBytes(valueSize, "MeasurementBlock.DMTFSpecMeasurementValue").ToArray();
        return new SpdmMeasurementBlock(index, type, value);
    }
}
