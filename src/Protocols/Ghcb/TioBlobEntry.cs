namespace SevTio.Protocols.Ghcb;

/// <summary>
/// One entry of the blob table (uapi sev-guest.h <c>struct tio_blob_table_entry</c>), 24 bytes: guid[16] (Linux
/// <c>guid_t</c>, i.e. the mixed-endian byte order of <see cref="Guid.ToByteArray()"/>), offset u32 from the start of
/// the data buffer, length u32.
/// </summary>
public readonly record struct TioBlobEntry(Guid Guid, uint Offset, uint Length)
{
    public const int Size = 24;
}
