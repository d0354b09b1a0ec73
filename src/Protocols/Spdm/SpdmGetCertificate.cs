using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>GET_CERTIFICATE (0x82): Param1 [3:0] = SlotID; Offset u16, Length u16 into the chain.</summary>
public sealed class SpdmGetCertificate : SpdmMessage
{
    public const string Name = "SPDM.GET_CERTIFICATE";

    public const int Size = 8;

    public SpdmGetCertificate(byte slotId, ushort offset, ushort length, byte version = SpdmVersion.V12)
        : base(version)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slotId, (byte)7);
        SlotId = slotId;
        Offset = offset;
        Length = length;
    }

    public byte SlotId { get; }

    public ushort Offset { get; }

    public ushort Length { get; }

    public override SpdmRequestResponseCode Code => SpdmRequestResponseCode.GetCertificate;

    public override int EncodedLength => Size;

    public override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, SlotId, 0);
        writer.WriteUInt16(Offset);
        writer.WriteUInt16(Length);
    }

    public static SpdmGetCertificate Read(ref WireReader reader)
    {
        var header = SpdmHeader.Read(ref reader, SpdmRequestResponseCode.GetCertificate);
        var slot = (byte)(header.Param1 & 0xF);
        if (slot > 7)
        {
            reader.Fail("Param1.SlotID", $"slot {slot} is beyond the 8 slots of SPDM 1.2");
        }

        var offset = reader.ReadUInt16("Offset");
        var length = reader.ReadUInt16("Length");
        return new SpdmGetCertificate(slot, offset, length, header.Version);
    }

    public static SpdmGetCertificate Decode(ReadOnlySpan<byte> message) => DecodeExact(message, Name, Read);
}
