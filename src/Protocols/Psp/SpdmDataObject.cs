namespace SevTio.Protocols.Psp;

/// <summary>
/// A REQ or RESP data object read from an SPDM buffer (sev-dev-tio.c <c>struct spdm_dobj_hdr_req/resp</c>):
/// a 16-byte header {spdm_dobj_hdr (10), data_type u8, reserved 5} followed by the SPDM message.
/// </summary>
/// <remarks>
/// A RESP object's <c>length</c> is rounded up to 32 bytes by the host (Linux <c>sev_tio_continue</c>), so
/// <see cref="Message"/> of a response carries the DOE reply followed by up to 31 zero bytes of padding; SPDM
/// parsers fed from here must tolerate that padding (secured messages carry their own length).
/// </remarks>
public readonly ref struct SpdmDataObject
{
    public const int HeaderSize = 16;

    public SpdmDataObject(SlaBufferHeader buffer, DataObjectHeader header, SpdmDataType dataType, ReadOnlySpan<byte> message)
    {
        Buffer = buffer;
        Header = header;
        DataType = dataType;
        Message = message;
    }

    public SlaBufferHeader Buffer { get; }

    public DataObjectHeader Header { get; }

    public SpdmDataType DataType { get; }

    /// <summary>The SPDM (or secured SPDM) bytes: <c>length</c> − 16 bytes after the object header.</summary>
    public ReadOnlySpan<byte> Message { get; }
}
