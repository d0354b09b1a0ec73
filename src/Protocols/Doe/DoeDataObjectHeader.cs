using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Doe;

/// <summary>
/// The 2-DW header of a DOE data object (PCIe §6.30.1): DW0 = Vendor ID [15:0], Data Object Type [23:16];
/// DW1 = Length in DW including the header [17:0], where 0 encodes 2^18 DW (1 MiB) and 1 is illegal.
/// </summary>
public readonly record struct DoeDataObjectHeader(ushort VendorId, DoeDataObjectType DataObjectType, int LengthDw)
{
    public const int Size = 8;

    public const ushort PciSigVendorId = 0x0001;

    /// <summary>2^18 DW = 1 MiB, encoded as 0 in the Length field.</summary>
    public const int MaxLengthDw = 1 << 18;

    public const int MinLengthDw = 2;

    private const uint LengthMask = (1u << 18) - 1;

    public int LengthBytes => LengthDw * 4;

    public void Write(ref WireWriter writer)
    {
        if (LengthDw < MinLengthDw || LengthDw > MaxLengthDw)
        {
            throw new ArgumentOutOfRangeException(nameof(LengthDw), LengthDw, "a DOE object is 2 to 2^18 DW long");
        }

        writer.WriteUInt16(VendorId);
        writer.WriteByte((byte)DataObjectType);
        writer.WriteByte(0);
        writer.WriteUInt32(LengthDw == MaxLengthDw ? 0u : (uint)LengthDw);
    }

    public static DoeDataObjectHeader Read(ref WireReader reader)
    {
        var vendor = reader.ReadUInt16("VendorID");
        var type = (DoeDataObjectType)reader.ReadByte("DataObjectType");
        reader.Skip(1, "Reserved");
        var raw = reader.ReadUInt32("Length");

        // Bits 31:18 are reserved: ignored on receipt.
        var length = raw & LengthMask;
        if (length == 1)
        {
            reader.Fail("Length", "1 DW is illegal: the header alone is 2 DW");
        }

        return new DoeDataObjectHeader(vendor, type, length == 0 ? MaxLengthDw : (int)length);
    }
}
