using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>
/// CERTIFICATE (0x02): Param1 [3:0] = SlotID; PortionLength u16, RemainderLength u16, then PortionLength bytes of
/// the chain.
/// </summary>
public sealed class SpdmCertificate : SpdmMessage
{
    public const string Name = "SPDM.CERTIFICATE";

    public SpdmCertificate(byte slotId, byte[] portion, ushort remainderLength, byte version = SpdmVersion.V12)
        : base(version)
    {
        ArgumentNullException.ThrowIfNull(portion);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slotId, (byte)7);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(portion.Length, ushort.MaxValue);
        SlotId = slotId;
        Portion = portion;
        RemainderLength = remainderLength;
    }

    public byte SlotId { get; }

    public byte[] Portion { get; }

    public ushort RemainderLength { get; }

    public override SpdmRequestResponseCode Code => SpdmRequestResponseCode.Certificate;

    public override int EncodedLength => 8 + Portion.Length;

    public override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, SlotId, 0);
        writer.WriteUInt16((ushort)Portion.Length);
        writer.WriteUInt16(RemainderLength);
        writer.WriteBytes(Portion);
    }

    public static SpdmCertificate Read(ref WireReader reader)
    {
        var header = SpdmHeader.Read(ref reader, SpdmRequestResponseCode.Certificate);
        var slot = (byte)(header.Param1 & 0xF);
        if (slot > 7)
        {
            reader.Fail("Param1.SlotID", $"slot {slot} is beyond the 8 slots of SPDM 1.2");
        }

        var portion = reader.ReadUInt16("PortionLength");
        var remainder = reader.ReadUInt16("RemainderLength");
        var data = reader.ReadBytes(portion, "CertChain").ToArray();
        return new SpdmCertificate(slot, data, remainder, header.Version);
    }

    public static SpdmCertificate Decode(ReadOnlySpan<byte> message) => DecodeExact(message, Name, Read);
}
