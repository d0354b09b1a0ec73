using SevTio.Protocols.Wire;

namespace SevTio.Firmware.Psp.Mailbox;

/// <summary>
/// SNP_LAUNCH_UPDATE command buffer (<c>struct sev_data_snp_launch_update</c>), 32 bytes: gctx_paddr u64 @0,
/// u32 @8 {b0 page_size, b3:1 page_type, b4 imi_page}, reserved u32 @12, address u64 @16 (system physical address of
/// a page the host already assigned to the guest with RMPUPDATE), u32 @24 {b15:8 vmpl1, b23:16 vmpl2, b31:24 vmpl3
/// permissions}, reserved u32 @28. The firmware fills or encrypts the page and sets RMP Validated.
/// </summary>
public readonly record struct SnpLaunchUpdateCommand(ulong GuestContextAddress, SnpPageType PageType, ulong Address)
{
    public const int Size = 32;

    public int Encode(Span<byte> destination)
    {
        var writer = new WireWriter(destination[..Size]);
        writer.WriteUInt64(GuestContextAddress);
        writer.WriteUInt32((uint)PageType << 1);
        writer.WriteUInt32(0);
        writer.WriteUInt64(Address);
        writer.WriteUInt32(0);
        writer.WriteUInt32(0);
        return Size;
    }

    /// <summary>Decodes; a 2 MiB page, an IMI page or reserved bits are format errors naming the field.</summary>
    public static SnpLaunchUpdateCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = new WireReader(source, "PSP.SNP_LAUNCH_UPDATE");
        var gctx = reader.ReadUInt64("gctx_paddr");
        var flags = reader.ReadUInt32("page_flags");
        if ((flags & 1) != 0)
        {
            reader.Fail("page_size", "2 MiB launch pages are not modelled");
        }

        if ((flags & ~0xEu) != 0)
        {
            reader.Fail("page_flags", $"reserved or IMI bits set (0x{flags:X})");
        }

        reader.Skip(4, "rsvd");
        var address = reader.ReadUInt64("address");
        return new SnpLaunchUpdateCommand(gctx, (SnpPageType)((flags >> 1) & 7), address);
    }
}
