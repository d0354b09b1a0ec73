using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tdisp;

/// <summary>INTERFACE_INFO bits of the interface report (PCIe §11.3.11).</summary>
[Flags]
public enum TdispInterfaceInfo : ushort
{
    None = 0,

    /// <summary>Firmware updates are not permitted while CONFIG_LOCKED or RUN.</summary>
    NoFwUpdate = 1 << 0,
    DmaWithoutPasid = 1 << 1,
    DmaWithPasid = 1 << 2,
    AtsEnabled = 1 << 3,
    PrsEnabled = 1 << 4,
}

/// <summary>
/// DEVICE_INTERFACE_REPORT (PCIe §11.3.11), the reassembled report: INTERFACE_INFO u16, reserved u16,
/// MSI_X_MESSAGE_CONTROL u16, LNR_CONTROL u16, TPH_CONTROL u32, MMIO_RANGE_COUNT u32, the ranges (16 bytes each),
/// DEVICE_SPECIFIC_INFO_LEN u32 and the device-specific bytes.
/// </summary>
public sealed class TdispDeviceInterfaceReport
{
    public const string Name = "TDISP.DEVICE_INTERFACE_REPORT";

    public const int FixedHeaderSize = 16;

    public TdispDeviceInterfaceReport(
        TdispInterfaceInfo interfaceInfo,
        ushort msixMessageControl,
        ushort lnrControl,
        uint tphControl,
        IReadOnlyList<TdispMmioRange> mmioRanges,
        byte[] deviceSpecificInfo)
    {
        ArgumentNullException.ThrowIfNull(mmioRanges);
        ArgumentNullException.ThrowIfNull(deviceSpecificInfo);
        InterfaceInfo = interfaceInfo;
        MsixMessageControl = msixMessageControl;
        LnrControl = lnrControl;
        TphControl = tphControl;
        MmioRanges = mmioRanges;
        DeviceSpecificInfo = deviceSpecificInfo;
    }

    public TdispInterfaceInfo InterfaceInfo { get; }

    public ushort MsixMessageControl { get; }

    public ushort LnrControl { get; }

    public uint TphControl { get; }

    public IReadOnlyList<TdispMmioRange> MmioRanges { get; }

    public byte[] DeviceSpecificInfo { get; }

    public int EncodedLength => FixedHeaderSize + (TdispMmioRange.Size * MmioRanges.Count) + 4 + DeviceSpecificInfo.Length;

    public byte[] Encode()
    {
        var bytes = new byte[EncodedLength];
        var writer = new WireWriter(bytes);
        writer.WriteUInt16((ushort)InterfaceInfo);
        writer.WriteUInt16(0);
        writer.WriteUInt16(MsixMessageControl);
        writer.WriteUInt16(LnrControl);
        writer.WriteUInt32(TphControl);
        writer.WriteUInt32((uint)MmioRanges.Count);
        foreach (var r in MmioRanges)
        {
            r.Write(ref writer);
        }

        writer.WriteUInt32((uint)DeviceSpecificInfo.Length);
        writer.WriteBytes(DeviceSpecificInfo);
        return bytes;
    }

    public static TdispDeviceInterfaceReport Decode(ReadOnlySpan<byte> report)
    {
        var reader = new WireReader(report, Name);
        var info = (TdispInterfaceInfo)reader.ReadUInt16("INTERFACE_INFO");
        reader.Skip(2, "Reserved");
        var msix = reader.ReadUInt16("MSI_X_MESSAGE_CONTROL");
        var lnr = reader.ReadUInt16("LNR_CONTROL");
        var tph = reader.ReadUInt32("TPH_CONTROL");
        var count = reader.ReadUInt32("MMIO_RANGE_COUNT");
        if (count > (uint)(reader.Remaining / TdispMmioRange.Size))
        {
            reader.Fail("MMIO_RANGE_COUNT", $"{count} ranges do not fit in the {reader.Remaining} bytes left");
        }

        var ranges = new TdispMmioRange[count];
        for (var i = 0; i < ranges.Length; i++)
        {
            ranges[i] = TdispMmioRange.Read(ref reader);
        }

        var specificLength = reader.ReadUInt32("DEVICE_SPECIFIC_INFO_LEN");
        if (specificLength > (uint)reader.Remaining)
        {
            reader.Fail("DEVICE_SPECIFIC_INFO_LEN", $"{specificLength} bytes, only {reader.Remaining} left");
        }

        var specific = reader.ReadBytes((int)specificLength, "DEVICE_SPECIFIC_INFO").ToArray();
        reader.ExpectEnd();
        return new TdispDeviceInterfaceReport(info, msix, lnr, tph, ranges, specific);
    }
}
