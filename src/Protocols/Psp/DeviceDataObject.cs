namespace SevTio.Protocols.Psp;

/// <summary>
/// A certificate, measurement or report data object read from the output buffer (sev-dev-tio.h
/// <c>struct spdm_dobj_hdr_cert/meas/report</c>): a 32-byte header {spdm_dobj_hdr (10), reserved 6,
/// device_id u16 @16, segment_id u8 @18, type u8 @19, reserved 12} followed by the blob.
/// </summary>
public readonly ref struct DeviceDataObject
{
    public const int HeaderSize = 32;

    public DeviceDataObject(SlaBufferHeader buffer, DataObjectHeader header, ushort deviceId, byte segment, DeviceObjectType type, ReadOnlySpan<byte> data)
    {
        Buffer = buffer;
        Header = header;
        DeviceId = deviceId;
        Segment = segment;
        Type = type;
        Data = data;
    }

    public SlaBufferHeader Buffer { get; }

    public DataObjectHeader Header { get; }

    /// <summary>PCIe routing id (BDF) of the device.</summary>
    public ushort DeviceId { get; }

    public byte Segment { get; }

    public DeviceObjectType Type { get; }

    /// <summary>The certificate chain, measurements or interface report: <c>length</c> − 32 bytes after the header.</summary>
    public ReadOnlySpan<byte> Data { get; }
}
