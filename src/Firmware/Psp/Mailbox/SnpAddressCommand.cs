using SevTio.Protocols.Wire;

namespace SevTio.Firmware.Psp.Mailbox;

/// <summary>
/// The one-address command buffer of SNP_GCTX_CREATE, SNP_DECOMMISSION (<c>struct sev_data_snp_addr</c>: the guest
/// context page) and SNP_PAGE_RECLAIM (<c>struct sev_data_snp_page_reclaim</c>: the page, bit 0 = 2 MiB page size),
/// 8 bytes.
/// </summary>
public readonly record struct SnpAddressCommand(ulong Address)
{
    public const int Size = 8;

    public int Encode(Span<byte> destination)
    {
        var writer = new WireWriter(destination[..Size]);
        writer.WriteUInt64(Address);
        return Size;
    }

    public static SnpAddressCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = new WireReader(source, "PSP.SNP_ADDR");
        return new SnpAddressCommand(reader.ReadUInt64("address"));
    }
}
