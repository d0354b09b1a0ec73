using SevTio.Protocols.Wire;

namespace SevTio.Firmware.Psp.Mailbox;

/// <summary>
/// SNP_ACTIVATE command buffer (<c>struct sev_data_snp_activate</c>), 12 bytes: gctx_paddr u64 @0, asid u32 @8.
/// Binds the guest to an ASID and programs a fresh memory-encryption key into that ASID's memory-controller slot.
/// </summary>
public readonly record struct SnpActivateCommand(ulong GuestContextAddress, uint Asid)
{
    public const int Size = 12;

    public int Encode(Span<byte> destination)
    {
        var writer = new WireWriter(destination[..Size]);
        writer.WriteUInt64(GuestContextAddress);
        writer.WriteUInt32(Asid);
        return Size;
    }

    public static SnpActivateCommand Decode(ReadOnlySpan<byte> source)
    {
        var reader = new WireReader(source, "PSP.SNP_ACTIVATE");
        return new SnpActivateCommand(reader.ReadUInt64("gctx_paddr"), reader.ReadUInt32("asid"));
    }
}
