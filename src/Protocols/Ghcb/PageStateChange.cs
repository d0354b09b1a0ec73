using System.Buffers.Binary;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Ghcb;

/// <summary>Page State Change operation (sev-common.h <c>enum psc_op</c>, entry bits 55:52).</summary>
public enum PageStateOperation : byte
{
    Private = 1,
    Shared = 2,
    Psmash = 3,
    Unsmash = 4,
}

/// <summary>
/// One PSC entry (sev-common.h <c>struct psc_entry</c>), a u64: cur_page b11:0, gfn b51:12, operation b55:52,
/// pagesize b56 (0 = 4 KiB, 1 = 2 MiB), b63:57 reserved.
/// </summary>
public readonly record struct PageStateChangeEntry(ushort CurrentPage, ulong Gfn, PageStateOperation Operation, bool Is2M)
{
    public const int Size = 8;

    public const ulong ReservedMask = 0xFE00_0000_0000_0000ul;

    public ulong ToUInt64()
    {
        if (CurrentPage > 0xFFF || Gfn > (1ul << 40) - 1 || (byte)Operation > 0xF)
        {
            throw new InvalidOperationException($"{this} does not fit a PSC entry");
        }

        return CurrentPage | (Gfn << 12) | ((ulong)Operation << 52) | (Is2M ? 1ul << 56 : 0);
    }

    /// <summary>Decodes one entry; <paramref name="index"/> names it in an error (the name is built only on failure).</summary>
    public static PageStateChangeEntry FromUInt64(ulong value, int index)
    {
        if ((value & ReservedMask) != 0)
        {
            throw new ProtocolFormatException($"GHCB.PSC.entries[{index}]", $"reserved bits set (0x{value & ReservedMask:X})");
        }

        var operation = (byte)((value >> 52) & 0xF);
        if (operation is < (byte)PageStateOperation.Private or > (byte)PageStateOperation.Unsmash)
        {
            throw new ProtocolFormatException($"GHCB.PSC.entries[{index}].operation", $"{operation} is not a page state operation (1..4)");
        }

        return new PageStateChangeEntry((ushort)(value & 0xFFF), (value >> 12) & ((1ul << 40) - 1), (PageStateOperation)operation, ((value >> 56) & 1) != 0);
    }
}

/// <summary>
/// The Page State Change descriptor a guest puts in the GHCB shared buffer for the PSC exit (sev-common.h
/// <c>struct snp_psc_desc</c>): header {cur_entry u16, end_entry u16 (index of the last entry, inclusive), reserved
/// u32}, then up to 253 entries (<c>VMGEXIT_PSC_MAX_COUNT</c>: exactly the 2032-byte shared buffer). The hypervisor
/// advances cur_entry as it works; cur_entry = end_entry + 1 means done.
/// </summary>
public sealed record PageStateChangeDescriptor(ushort CurrentEntry, ushort EndEntry, IReadOnlyList<PageStateChangeEntry> Entries)
{
    public const int HeaderSize = 8;

    public const int MaxEntries = 253;

    private const string Message = "GHCB.PSC";

    /// <summary>A descriptor of <paramref name="entries"/> with nothing processed yet.</summary>
    public static PageStateChangeDescriptor Create(IReadOnlyList<PageStateChangeEntry> entries)
    {
        if (entries.Count is 0 or > MaxEntries)
        {
            throw new ArgumentOutOfRangeException(nameof(entries), entries.Count, $"1..{MaxEntries} entries");
        }

        return new PageStateChangeDescriptor(0, (ushort)(entries.Count - 1), entries);
    }

    public int Encode(Span<byte> destination)
    {
        if (Entries.Count != EndEntry + 1 || Entries.Count > MaxEntries || CurrentEntry > EndEntry + 1)
        {
            throw new InvalidOperationException("end_entry must index the last entry, cur_entry at most end_entry + 1");
        }

        var size = HeaderSize + (Entries.Count * PageStateChangeEntry.Size);
        WireChecks.RequireDestination(destination, size);
        var writer = new WireWriter(destination);
        writer.WriteUInt16(CurrentEntry);
        writer.WriteUInt16(EndEntry);
        writer.WriteZeros(4);
        foreach (var entry in Entries)
        {
            writer.WriteUInt64(entry.ToUInt64());
        }

        return size;
    }

    public static PageStateChangeDescriptor Decode(ReadOnlySpan<byte> source)
    {
        var reader = new WireReader(source, Message);
        var current = reader.ReadUInt16("hdr.cur_entry");
        var end = reader.ReadUInt16("hdr.end_entry");
        WireChecks.ReadZeros(ref reader, 4, "hdr.reserved");
        if (end >= MaxEntries)
        {
            reader.Fail("hdr.end_entry", $"{end} exceeds the last entry index {MaxEntries - 1}");
        }

        if (current > end + 1)
        {
            reader.Fail("hdr.cur_entry", $"{current} is past end_entry {end} + 1");
        }

        var entries = new PageStateChangeEntry[end + 1];
        var available = reader.Remaining / PageStateChangeEntry.Size;
        if (available < entries.Length)
        {
            reader.Fail($"entries[{available}]", $"truncated: end_entry {end} needs {entries.Length} entries, the buffer holds {available}");
        }

        var raw = reader.RemainingBytes;
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = PageStateChangeEntry.FromUInt64(BinaryPrimitives.ReadUInt64LittleEndian(raw[(i * PageStateChangeEntry.Size)..]), i);
        }

        return new PageStateChangeDescriptor(current, end, entries);
    }

    public bool Equals(PageStateChangeDescriptor? other) =>
        other is not null && CurrentEntry == other.CurrentEntry && EndEntry == other.EndEntry && Entries.SequenceEqual(other.Entries);

    public override int GetHashCode() => HashCode.Combine(CurrentEntry, EndEntry, Entries.Count);
}
