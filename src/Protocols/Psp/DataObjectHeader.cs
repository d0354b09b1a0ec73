using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// <c>struct spdm_dobj_hdr</c> (sev-dev-tio.h), 10 bytes: id u32, length u32 (of the whole object INCLUDING its
/// header), version {minor u8, major u8}. Follows the 64-byte buffer header.
/// </summary>
public readonly record struct DataObjectHeader(DataObjectId Id, uint Length, byte Minor, byte Major)
{
    public const int Size = 10;

    /// <summary>Version the host driver writes (<c>dobj_response_init</c>): 1.0.</summary>
    public const byte CurrentMajor = 1;

    public const byte CurrentMinor = 0;

    public void Write(ref WireWriter writer)
    {
        writer.WriteUInt32((uint)Id);
        writer.WriteUInt32(Length);
        writer.WriteByte(Minor);
        writer.WriteByte(Major);
    }

    public static DataObjectHeader Read(ref WireReader reader)
    {
        var id = reader.ReadUInt32("dobj.id");
        var length = reader.ReadUInt32("dobj.length");
        var minor = reader.ReadByte("dobj.version.minor");
        var major = reader.ReadByte("dobj.version.major");
        return new DataObjectHeader((DataObjectId)id, length, minor, major);
    }

    /// <summary>Size of the header of an object with this id: 16 for REQ/RESP, 32 for certificate/measurement/report.</summary>
    public static int HeaderSizeOf(DataObjectId id) => id switch
    {
        DataObjectId.Request or DataObjectId.Response => SpdmDataObject.HeaderSize,
        DataObjectId.Certificate or DataObjectId.Measurement or DataObjectId.Report => DeviceDataObject.HeaderSize,
        _ => 0,
    };
}
