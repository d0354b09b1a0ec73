using System.Buffers.Binary;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tests.Tdisp;

/// <summary>Offsets from the reference §4 (PCIe Chapter 11), counted from the TDISPVersion byte.</summary>
public class TdispLayoutTests
{
    private static readonly TdispInterfaceId s_id = TdispInterfaceId.Create(0x0310, 0x01);

    [Fact]
    public void InterfaceId_FromRequesterId_PacksRidSegmentAndValidBit()
    {
        Assert.Equal(0x0101_0310u, s_id.FunctionId);
        Assert.Equal(0x0000_0310u, TdispInterfaceId.Create(0x0310).FunctionId);
    }

    [Fact]
    public void Header_Encode_IsVersionTypeReservedFunctionIdAndEightReserved()
    {
        var bytes = new TdispHeaderOnlyMessage(TdispMessageType.GetDeviceInterfaceState, s_id).Encode();

        byte[] expected = [0x10, 0x85, 0, 0, 0x10, 0x03, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void LockInterfaceRequest_Encode_FieldsAtReferenceOffsets()
    {
        var bytes = new TdispLockInterfaceRequest(s_id, TdispLockFlags.LockMsix | TdispLockFlags.NoFirmwareUpdate, 7, 0x8000_0000_0000_1000, 0x0000_FFFF_0000_0000).Encode();

        Assert.Equal(36, bytes.Length);
        Assert.Equal(0x0005, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(7, bytes[18]);
        Assert.Equal(0, bytes[19]);
        Assert.Equal(0x8000_0000_0000_1000ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(20)));
        Assert.Equal(0x0000_FFFF_0000_0000ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(28)));
    }

    [Fact]
    public void Capabilities_Encode_FieldsAtReferenceOffsets()
    {
        var bitmap = TdispCapabilitiesResponse.RequestBitmap(TdispMessageType.GetTdispVersion, TdispMessageType.StopInterfaceRequest);
        var bytes = new TdispCapabilitiesResponse(s_id, 0x1, bitmap, TdispLockFlags.LockMsix, 52, 2, 3).Encode();

        Assert.Equal(44, bytes.Length);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(16)));

        // Bit n of REQ_MSGS_SUPPORTED is request code 0x80 + n: 0x81 is bit 1, 0x87 bit 7.
        Assert.Equal(0x82, bytes[20]);
        Assert.Equal(new byte[15], bytes[21..36]);
        Assert.Equal(0x0004, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(36)));
        Assert.Equal([0, 0, 0], bytes[38..41]);
        Assert.Equal([52, 2, 3], bytes[41..44]);
    }

    [Fact]
    public void ErrorResponse_Encode_CodeAndDataAsU32()
    {
        var bytes = new TdispErrorResponse(s_id, TdispErrorCode.UnsupportedRequest, 0x8A).Encode();

        Assert.Equal(0x7F, bytes[1]);
        Assert.Equal([0x07, 0, 0, 0, 0x8A, 0, 0, 0], bytes[16..]);
    }

    [Fact]
    public void Report_Encode_FieldsAtReportOffsets()
    {
        var report = new TdispDeviceInterfaceReport(
            TdispInterfaceInfo.NoFwUpdate | TdispInterfaceInfo.DmaWithoutPasid,
            0x8007,
            0,
            0,
            [new TdispMmioRange(0x0000_00F0_0001_0000, 3, TdispMmioRangeAttributes.MsixTable | TdispMmioRangeAttributes.IsNonTeeMem, 2)],
            [0xAA, 0xBB]).Encode();

        Assert.Equal(16 + 16 + 4 + 2, report.Length);
        Assert.Equal(0x0003, BinaryPrimitives.ReadUInt16LittleEndian(report));
        Assert.Equal(0x8007, BinaryPrimitives.ReadUInt16LittleEndian(report.AsSpan(4)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(report.AsSpan(12)));
        Assert.Equal(0x0000_00F0_0001_0000ul, BinaryPrimitives.ReadUInt64LittleEndian(report.AsSpan(16)));
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(report.AsSpan(24)));
        Assert.Equal(0x0005, BinaryPrimitives.ReadUInt16LittleEndian(report.AsSpan(28)));
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(report.AsSpan(30)));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(report.AsSpan(32)));
        Assert.Equal([0xAA, 0xBB], report[36..]);
    }

    [Fact]
    public void Report_RangeCountBeyondBytes_ThrowsNamingCount()
    {
        var report = new TdispDeviceInterfaceReport(0, 0, 0, 0, [], []).Encode();
        report[12] = 200;

        var e = Assert.Throws<ProtocolFormatException>(() => TdispDeviceInterfaceReport.Decode(report));
        Assert.Equal("TDISP.DEVICE_INTERFACE_REPORT.MMIO_RANGE_COUNT", e.Field);
    }

    [Fact]
    public void Decode_UnknownMessageType_ThrowsNamingMessageType()
    {
        var bytes = new TdispHeaderOnlyMessage(TdispMessageType.GetTdispVersion, s_id).Encode();
        bytes[1] = 0x8F;

        var e = Assert.Throws<ProtocolFormatException>(() => TdispMessage.Decode(bytes));
        Assert.Equal("TDISP.MessageType", e.Field);
    }

    [Fact]
    public void DecodeTyped_OtherMessage_Throws()
    {
        var bytes = new TdispHeaderOnlyMessage(TdispMessageType.StopInterfaceResponse, s_id).Encode();

        Assert.Throws<ProtocolFormatException>(() => TdispMessage.Decode<TdispErrorResponse>(bytes));
    }

    [Fact]
    public void StateResponse_UndefinedState_Throws()
    {
        byte[] bytes = [.. new TdispDeviceInterfaceStateResponse(s_id, TdiState.Error).Encode()];
        bytes[16] = 4;

        var e = Assert.Throws<ProtocolFormatException>(() => TdispMessage.Decode(bytes));
        Assert.Equal("TDISP.DEVICE_INTERFACE_STATE.TDI_STATE", e.Field);
    }
}
