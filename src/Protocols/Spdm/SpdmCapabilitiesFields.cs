using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>
/// The body shared by GET_CAPABILITIES and CAPABILITIES (DSP0274 1.2 Tables 9 and 10): Reserved u8, CTExponent u8,
/// Reserved u16, Flags u32 (1.1+), then DataTransferSize u32 and MaxSPDMmsgSize u32 (1.2+).
/// </summary>
public readonly record struct SpdmCapabilitiesFields(
    byte CtExponent,
    SpdmCapabilityFlags Flags,
    uint DataTransferSize,
    uint MaxSpdmMessageSize)
{
    /// <summary>1.2 requires DataTransferSize of at least 42 bytes.</summary>
    public const uint MinDataTransferSize12 = 42;

    /// <summary>Body length after the header for <paramref name="version"/>; a 1.0 GET_CAPABILITIES has none.</summary>
    public static int BodyLength(byte version, bool request) => version switch
    {
        >= SpdmVersion.V12 => 16,
        SpdmVersion.V11 => 8,
        _ => request ? 0 : 8,
    };

    internal void Write(ref WireWriter writer, byte version, bool request)
    {
        var body = BodyLength(version, request);
        if (body == 0)
        {
            return;
        }

        writer.WriteByte(0);
        writer.WriteByte(CtExponent);
        writer.WriteUInt16(0);
        writer.WriteUInt32((uint)Flags);
        if (body == 16)
        {
            writer.WriteUInt32(DataTransferSize);
            writer.WriteUInt32(MaxSpdmMessageSize);
        }
    }

    internal static SpdmCapabilitiesFields Read(ref WireReader reader, byte version, bool request)
    {
        var body = BodyLength(version, request);
        if (body == 0)
        {
            return default;
        }

        reader.Skip(1, "Reserved");
        var ct = reader.ReadByte("CTExponent");
        reader.Skip(2, "Reserved");
        var flags = (SpdmCapabilityFlags)reader.ReadUInt32("Flags");
        uint dts = 0, max = 0;
        if (body == 16)
        {
            dts = reader.ReadUInt32("DataTransferSize");
            max = reader.ReadUInt32("MaxSPDMmsgSize");
        }

        return new SpdmCapabilitiesFields(ct, flags, dts, max);
    }
}
