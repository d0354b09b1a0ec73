using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// Codec for a whole SPDM buffer as the PSP and the host see it once its pages are gathered (the SLA, or the pages of
/// its scatter list, in order): the 64-byte <see cref="SlaBufferHeader"/> followed by one data object.
/// </summary>
/// <remarks>
/// Lengths follow the Linux host driver (sev-dev-tio.c): a REQ object's <c>length</c> is exact (the host derives the
/// DOE request length from it) and the buffer payload is that rounded up to 32; a RESP object's <c>length</c> and the
/// payload are both rounded up to 32 (<c>sev_tio_continue</c>). Capacity is written as the span's length.
/// </remarks>
public static class SlaBuffer
{
    private const string Message = "PSP.SLA_BUFFER";

    /// <summary>Writes an SPDM request object (firmware → host); returns the bytes used (header + payload).</summary>
    public static int WriteSpdmRequest(Span<byte> buffer, SpdmDataType dataType, ReadOnlySpan<byte> message) =>
        WriteSpdm(buffer, DataObjectId.Request, dataType, message, padObjectLength: false);

    /// <summary>Writes an SPDM response object (host → firmware); the object length is rounded up to 32 bytes.</summary>
    public static int WriteSpdmResponse(Span<byte> buffer, SpdmDataType dataType, ReadOnlySpan<byte> message) =>
        WriteSpdm(buffer, DataObjectId.Response, dataType, message, padObjectLength: true);

    /// <summary>Writes a certificate, measurement or report object (firmware → output buffer).</summary>
    public static int WriteDeviceObject(Span<byte> buffer, DataObjectId id, DeviceObjectType type, ushort deviceId, byte segment, ReadOnlySpan<byte> data)
    {
        if (DataObjectHeader.HeaderSizeOf(id) != DeviceDataObject.HeaderSize)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, "not a certificate, measurement or report object");
        }

        var objectLength = checked((uint)(DeviceDataObject.HeaderSize + data.Length));
        var payload = SlaBufferHeader.AlignPayload(objectLength);
        var used = checked(SlaBufferHeader.Size + (int)payload);
        WireChecks.RequireDestination(buffer, used);

        var writer = new WireWriter(buffer);
        new SlaBufferHeader((uint)buffer.Length, payload, SlaBufferFlags.None, default, default).Write(ref writer);
        new DataObjectHeader(id, objectLength, DataObjectHeader.CurrentMinor, DataObjectHeader.CurrentMajor).Write(ref writer);
        writer.WriteZeros(6);
        writer.WriteUInt16(deviceId);
        writer.WriteByte(segment);
        writer.WriteByte((byte)type);
        writer.WriteZeros(12);
        writer.WriteBytes(data);
        writer.WriteZeros(used - writer.Position);
        return used;
    }

    /// <summary>Reads the REQ or RESP object of an SPDM buffer; <paramref name="expected"/> is the id it must carry.</summary>
    public static SpdmDataObject ReadSpdm(ReadOnlySpan<byte> buffer, DataObjectId expected)
    {
        if (expected is not (DataObjectId.Request or DataObjectId.Response))
        {
            throw new ArgumentOutOfRangeException(nameof(expected), expected, "REQ or RESP");
        }

        var reader = new WireReader(buffer, Message);
        var header = ReadHeaderForObject(ref reader, buffer.Length);
        var dobj = ReadObjectHeader(ref reader, header, expected, SpdmDataObject.HeaderSize);
        var dataType = reader.ReadByte("dobj.data_type");
        if (dataType is not ((byte)SpdmDataType.Spdm or (byte)SpdmDataType.SecuredSpdm))
        {
            reader.Fail("dobj.data_type", $"{dataType} is neither SPDM (1) nor secured SPDM (2)");
        }

        WireChecks.ReadZeros(ref reader, 5, "dobj.reserved2");
        var message = reader.ReadBytes((int)dobj.Length - SpdmDataObject.HeaderSize, "dobj.data");
        return new SpdmDataObject(header, dobj, (SpdmDataType)dataType, message);
    }

    /// <summary>Reads a certificate, measurement or report object; <paramref name="expected"/> is the id it must carry.</summary>
    public static DeviceDataObject ReadDeviceObject(ReadOnlySpan<byte> buffer, DataObjectId expected)
    {
        if (DataObjectHeader.HeaderSizeOf(expected) != DeviceDataObject.HeaderSize)
        {
            throw new ArgumentOutOfRangeException(nameof(expected), expected, "CERTIFICATE, MEASUREMENT or REPORT");
        }

        var reader = new WireReader(buffer, Message);
        var header = ReadHeaderForObject(ref reader, buffer.Length);
        var dobj = ReadObjectHeader(ref reader, header, expected, DeviceDataObject.HeaderSize);
        WireChecks.ReadZeros(ref reader, 6, "dobj.reserved1");
        var deviceId = reader.ReadUInt16("dobj.device_id");
        var segment = reader.ReadByte("dobj.segment_id");
        var type = reader.ReadByte("dobj.type");
        var typeValid = expected == DataObjectId.Measurement
            ? type is (byte)DeviceObjectType.Primary or (byte)DeviceObjectType.MeasurementLog
            : type == (byte)DeviceObjectType.Primary;
        if (!typeValid)
        {
            reader.Fail("dobj.type", $"{type} is not a valid type for a {expected} object");
        }

        WireChecks.ReadZeros(ref reader, 12, "dobj.reserved2");
        var data = reader.ReadBytes((int)dobj.Length - DeviceDataObject.HeaderSize, "dobj.data");
        return new DeviceDataObject(header, dobj, deviceId, segment, (DeviceObjectType)type, data);
    }

    private static int WriteSpdm(Span<byte> buffer, DataObjectId id, SpdmDataType dataType, ReadOnlySpan<byte> message, bool padObjectLength)
    {
        if (dataType is not (SpdmDataType.Spdm or SpdmDataType.SecuredSpdm))
        {
            throw new ArgumentOutOfRangeException(nameof(dataType), dataType, "SPDM or secured SPDM");
        }

        var exact = checked((uint)(SpdmDataObject.HeaderSize + message.Length));
        var payload = SlaBufferHeader.AlignPayload(exact);
        var objectLength = padObjectLength ? payload : exact;
        var used = checked(SlaBufferHeader.Size + (int)payload);
        WireChecks.RequireDestination(buffer, used);

        var writer = new WireWriter(buffer);
        new SlaBufferHeader((uint)buffer.Length, payload, SlaBufferFlags.None, default, default).Write(ref writer);
        new DataObjectHeader(id, objectLength, DataObjectHeader.CurrentMinor, DataObjectHeader.CurrentMajor).Write(ref writer);
        writer.WriteByte((byte)dataType);
        writer.WriteZeros(5);
        writer.WriteBytes(message);
        writer.WriteZeros(used - writer.Position);
        return used;
    }

    private static SlaBufferHeader ReadHeaderForObject(ref WireReader reader, int bufferLength)
    {
        var header = SlaBufferHeader.Read(ref reader);
        if ((header.Flags & SlaBufferFlags.Encrypted) != 0)
        {
            reader.Fail("flags", "encrypted buffer: the payload is not a readable data object");
        }

        if (header.PayloadSize > (uint)(bufferLength - SlaBufferHeader.Size))
        {
            reader.Fail("payload_sz", $"{header.PayloadSize} runs past the {bufferLength}-byte buffer");
        }

        return header;
    }

    private static DataObjectHeader ReadObjectHeader(ref WireReader reader, SlaBufferHeader header, DataObjectId expected, int headerSize)
    {
        var dobj = DataObjectHeader.Read(ref reader);
        if (dobj.Id != expected)
        {
            reader.Fail("dobj.id", $"expected {expected} ({(uint)expected}), found {(uint)dobj.Id}");
        }

        if (dobj.Length < (uint)headerSize)
        {
            reader.Fail("dobj.length", $"{dobj.Length} is shorter than the {headerSize}-byte object header");
        }

        if (dobj.Length > header.PayloadSize)
        {
            reader.Fail("dobj.length", $"{dobj.Length} exceeds the buffer payload of {header.PayloadSize}");
        }

        return dobj;
    }
}
