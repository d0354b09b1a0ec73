using SevTio.Protocols.Psp;
using SevTio.Protocols.Wire;
using static SevTio.Protocols.Tests.Psp.TioCodecAssert;

namespace SevTio.Protocols.Tests.Psp;

public class SlaBufferTests
{
    [Fact]
    public void Sizes_AreTheReferenceSizes()
    {
        Assert.Equal(64, SlaBufferHeader.Size);
        Assert.Equal(10, DataObjectHeader.Size);
        Assert.Equal(16, SpdmDataObject.HeaderSize);
        Assert.Equal(32, DeviceDataObject.HeaderSize);
        Assert.Equal(32, SpdmControl.Size);
    }

    [Theory]
    [InlineData(DataObjectId.Request, 1u)]
    [InlineData(DataObjectId.Response, 2u)]
    [InlineData(DataObjectId.Certificate, 4u)]
    [InlineData(DataObjectId.Measurement, 5u)]
    [InlineData(DataObjectId.Report, 6u)]
    public void DataObjectIds_AreTheLinuxValues(DataObjectId id, uint expected) => Assert.Equal(expected, (uint)id);

    [Fact]
    public void Header_EncodesAtLinuxOffsets()
    {
        var header = new SlaBufferHeader(0x3000, 0x40, SlaBufferFlags.Encrypted, SlaBufferIv.FromBytes(Sequence(16, 0x10)), AesGcmTag.FromBytes(Sequence(16, 0x80)));
        var expected = new byte[64];
        PutU32(expected, 0, 0x3000);
        PutU32(expected, 4, 0x40);
        PutU32(expected, 8, 1);
        Fill(expected, 16, 16, 0x10);
        Fill(expected, 32, 16, 0x80);
        var actual = new byte[64];
        header.Encode(actual);
        Assert.Equal(expected, actual);
        Assert.Equal(header, SlaBufferHeader.Decode(actual));
    }

    [Theory]
    [InlineData(0x1000u, 0x30u, 0u, "payload_sz")] // not a multiple of 32
    [InlineData(0x1000u, 0xFE0u, 0u, "payload_sz")] // 64 + payload > capacity
    [InlineData(0x20u, 0u, 0u, "capacity_sz")] // capacity smaller than the header
    [InlineData(0x1000u, 0x20u, 2u, "flags")] // reserved flag bit
    public void Header_Malformed_IsFormatError(uint capacity, uint payload, uint flags, string field)
    {
        var bytes = new byte[64];
        PutU32(bytes, 0, capacity);
        PutU32(bytes, 4, payload);
        PutU32(bytes, 8, flags);
        Rejects(bytes, b => SlaBufferHeader.Decode(b), field);
    }

    [Theory]
    [InlineData(12, "reserved1")]
    [InlineData(15, "reserved1")]
    [InlineData(48, "reserved2")]
    [InlineData(63, "reserved2")]
    public void Header_ReservedByteSet_IsFormatError(int offset, string field)
    {
        var bytes = new byte[64];
        PutU32(bytes, 0, 0x1000);
        bytes[offset] = 1;
        Rejects(bytes, b => SlaBufferHeader.Decode(b), field);
    }

    [Fact]
    public void WriteSpdmRequest_ExactObjectLength_PayloadRoundedTo32()
    {
        var buffer = new byte[4096];
        byte[] spdm = [0x12, 0x84, 0, 0, 1, 2, 3]; // 7 bytes
        var used = SlaBuffer.WriteSpdmRequest(buffer, SpdmDataType.SecuredSpdm, spdm);

        var expected = new byte[4096];
        PutU32(expected, 0, 4096); // capacity = the buffer
        PutU32(expected, 4, 32); // 16 + 7 = 23 -> 32
        PutU32(expected, 64, 1); // dobj id REQ
        PutU32(expected, 68, 23); // length includes the 16-byte object header
        expected[72] = 0; // minor
        expected[73] = 1; // major
        expected[74] = 2; // data_type secured SPDM
        spdm.CopyTo(expected, 80);
        Assert.Equal(96, used);
        Assert.Equal(expected, buffer);

        var read = SlaBuffer.ReadSpdm(buffer, DataObjectId.Request);
        Assert.Equal(SpdmDataType.SecuredSpdm, read.DataType);
        Assert.Equal(spdm, read.Message.ToArray());
    }

    [Fact]
    public void WriteSpdmResponse_ObjectLengthRoundedTo32_AsLinuxContinue()
    {
        var buffer = new byte[4096];
        var spdm = Sequence(20, 1);
        SlaBuffer.WriteSpdmResponse(buffer, SpdmDataType.Spdm, spdm);

        // sev_tio_continue: hdr.length = ALIGN(16 + rsp_len, 32); payload_sz = hdr.length.
        Assert.Equal(64u, BitConverter.ToUInt32(buffer, 68));
        Assert.Equal(64u, BitConverter.ToUInt32(buffer, 4));
        Assert.Equal(2u, BitConverter.ToUInt32(buffer, 64));
        var read = SlaBuffer.ReadSpdm(buffer, DataObjectId.Response);
        Assert.Equal(48, read.Message.Length);
        Assert.Equal(spdm, read.Message[..20].ToArray());
        Assert.True(read.Message[20..].IndexOfAnyExcept((byte)0) < 0);
    }

    [Fact]
    public void DeviceObject_EncodesAtLinuxOffsetsAndRoundTrips()
    {
        var buffer = new byte[8192];
        var report = Sequence(40, 0x30);
        var used = SlaBuffer.WriteDeviceObject(buffer, DataObjectId.Report, DeviceObjectType.Primary, 0x0310, 0x05, report);

        var expected = new byte[8192];
        PutU32(expected, 0, 8192);
        PutU32(expected, 4, 96); // 32 + 40 = 72 -> 96
        PutU32(expected, 64, 6);
        PutU32(expected, 68, 72);
        expected[73] = 1;
        PutU16(expected, 64 + 16, 0x0310); // device_id after spdm_dobj_hdr (10) + reserved1[6]
        expected[64 + 18] = 0x05; // segment_id
        expected[64 + 19] = 1; // type TIO_SPDM_REPORT
        report.CopyTo(expected, 64 + 32);
        Assert.Equal(64 + 96, used);
        Assert.Equal(expected, buffer);

        var read = SlaBuffer.ReadDeviceObject(buffer, DataObjectId.Report);
        Assert.Equal((ushort)0x0310, read.DeviceId);
        Assert.Equal((byte)5, read.Segment);
        Assert.Equal(DeviceObjectType.Primary, read.Type);
        Assert.Equal(report, read.Data.ToArray());
    }

    [Fact]
    public void ReadDeviceObject_MeasurementLogType_IsAccepted()
    {
        var buffer = new byte[4096];
        SlaBuffer.WriteDeviceObject(buffer, DataObjectId.Measurement, DeviceObjectType.MeasurementLog, 1, 0, [1, 2, 3]);
        Assert.Equal(DeviceObjectType.MeasurementLog, SlaBuffer.ReadDeviceObject(buffer, DataObjectId.Measurement).Type);
    }

    [Fact]
    public void ReadDeviceObject_LogTypeOnACertificate_IsFormatError()
    {
        var buffer = new byte[4096];
        SlaBuffer.WriteDeviceObject(buffer, DataObjectId.Certificate, DeviceObjectType.Primary, 1, 0, [1, 2, 3]);
        buffer[64 + 19] = 2;
        Rejects(buffer, b => SlaBuffer.ReadDeviceObject(b, DataObjectId.Certificate), "dobj.type");
    }

    [Fact]
    public void ReadSpdm_WrongObjectId_IsFormatError()
    {
        var buffer = new byte[4096];
        SlaBuffer.WriteSpdmRequest(buffer, SpdmDataType.Spdm, [1, 2]);
        Rejects(buffer, b => SlaBuffer.ReadSpdm(b, DataObjectId.Response), "dobj.id");
    }

    [Theory]
    [InlineData(15u)] // shorter than the object header
    [InlineData(33u)] // longer than the payload (32)
    public void ReadSpdm_BadObjectLength_IsFormatError(uint length)
    {
        var buffer = new byte[4096];
        SlaBuffer.WriteSpdmRequest(buffer, SpdmDataType.Spdm, [1, 2]);
        PutU32(buffer, 68, length);
        Rejects(buffer, b => SlaBuffer.ReadSpdm(b, DataObjectId.Request), "dobj.length");
    }

    [Fact]
    public void ReadSpdm_UnknownDataType_IsFormatError()
    {
        var buffer = new byte[4096];
        SlaBuffer.WriteSpdmRequest(buffer, SpdmDataType.Spdm, [1, 2]);
        buffer[74] = 3;
        Rejects(buffer, b => SlaBuffer.ReadSpdm(b, DataObjectId.Request), "data_type");
    }

    [Fact]
    public void ReadSpdm_EncryptedBuffer_IsFormatError()
    {
        var buffer = new byte[4096];
        SlaBuffer.WriteSpdmRequest(buffer, SpdmDataType.Spdm, [1, 2]);
        buffer[8] = 1;
        Rejects(buffer, b => SlaBuffer.ReadSpdm(b, DataObjectId.Request), "flags");
    }

    [Fact]
    public void ReadSpdm_PayloadPastTheGatheredPages_IsFormatError()
    {
        // Capacity claims two pages but only one page was gathered.
        var buffer = new byte[8192];
        SlaBuffer.WriteSpdmResponse(buffer, SpdmDataType.Spdm, new byte[5000]);
        Rejects(buffer.AsSpan(0, 4096).ToArray(), b => SlaBuffer.ReadSpdm(b, DataObjectId.Response), "payload_sz");
    }

    [Fact]
    public void Write_BufferTooSmall_IsArgumentError() =>
        Assert.Throws<ArgumentException>(() => SlaBuffer.WriteSpdmRequest(new byte[64 + 16], SpdmDataType.Spdm, [1]));

    [Fact]
    public void Read_EveryTruncation_IsFormatError()
    {
        var request = new byte[96];
        SlaBuffer.WriteSpdmRequest(request, SpdmDataType.Spdm, Sequence(10, 1));
        EveryTruncationThrows(request, b => SlaBuffer.ReadSpdm(b, DataObjectId.Request));

        var report = new byte[128];
        SlaBuffer.WriteDeviceObject(report, DataObjectId.Report, DeviceObjectType.Primary, 1, 0, Sequence(30, 1));
        EveryTruncationThrows(report, b => SlaBuffer.ReadDeviceObject(b, DataObjectId.Report));
        EveryTruncationThrows(report.AsSpan(0, 64).ToArray(), b => SlaBufferHeader.Decode(b));
    }

    [Fact]
    public void Read_Fuzz_OnlyFormatErrors()
    {
        var request = new byte[128];
        SlaBuffer.WriteSpdmRequest(request, SpdmDataType.SecuredSpdm, Sequence(40, 1));
        FuzzOnlyFormatErrorsEscape(201, 3000, request, 160, b => SlaBuffer.ReadSpdm(b, DataObjectId.Request));
        FuzzOnlyFormatErrorsEscape(202, 3000, request, 160, b => SlaBuffer.ReadSpdm(b, DataObjectId.Response));

        var report = new byte[160];
        SlaBuffer.WriteDeviceObject(report, DataObjectId.Measurement, DeviceObjectType.MeasurementLog, 7, 1, Sequence(50, 1));
        FuzzOnlyFormatErrorsEscape(203, 3000, report, 200, b => SlaBuffer.ReadDeviceObject(b, DataObjectId.Measurement));
        FuzzOnlyFormatErrorsEscape(204, 2000, report.AsSpan(0, 64).ToArray(), 80, b => SlaBufferHeader.Decode(b));
    }
}
