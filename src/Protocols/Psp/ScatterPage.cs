using System.Buffers.Binary;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// A 4 KiB scatter page: an array of data SLAs, one per 4 KiB page of the buffer, terminated by the EOL SLA
/// (sev-dev-tio.c <c>sla_alloc</c>/<c>sla_buffer_map</c>). 512 slots, so at most 511 data pages plus EOL.
/// </summary>
/// <remarks>
/// Decoding enforces what the host driver enforces before mapping (<c>sla_buffer_map</c>: no nested scatter entries,
/// no page larger than 4 KiB, at least one page) and what the layout requires (EOL present, reserved bits clear),
/// and also refuses a NULL entry before EOL, which would point the firmware at physical page 0.
/// </remarks>
public static class ScatterPage
{
    public const int PageSize = 4096;

    public const int SlotCount = PageSize / ScatterListAddress.Size;

    /// <summary>Data pages one scatter page can describe (one slot is the EOL).</summary>
    public const int MaxDataPages = SlotCount - 1;

    private const string Message = "PSP.SCATTER_PAGE";

    /// <summary>Writes the entries, then EOL, then zeros to the end of <paramref name="page"/>; returns the bytes of entries written.</summary>
    public static int Encode(ReadOnlySpan<ScatterListAddress> dataPages, Span<byte> page)
    {
        if (dataPages.Length is 0 or > MaxDataPages)
        {
            throw new ArgumentOutOfRangeException(nameof(dataPages), dataPages.Length, $"a scatter page holds 1..{MaxDataPages} data pages");
        }

        var used = (dataPages.Length + 1) * ScatterListAddress.Size;
        WireChecks.RequireDestination(page, used);
        var writer = new WireWriter(page);
        foreach (var sla in dataPages)
        {
            sla.Write(ref writer);
        }

        ScatterListAddress.EndOfList.Write(ref writer);
        page[used..].Clear();
        return used;
    }

    /// <summary>Decodes the data SLAs of a scatter page (allocates the result array).</summary>
    public static ScatterListAddress[] Decode(ReadOnlySpan<byte> page)
    {
        var count = CountEntries(page);
        var result = new ScatterListAddress[count];
        Decode(page, result);
        return result;
    }

    /// <summary>Decodes into <paramref name="destination"/>; returns the number of data pages.</summary>
    public static int Decode(ReadOnlySpan<byte> page, Span<ScatterListAddress> destination)
    {
        var count = CountEntries(page);
        if (destination.Length < count)
        {
            throw new ArgumentException($"destination holds {destination.Length} entries, the list has {count}", nameof(destination));
        }

        for (var i = 0; i < count; i++)
        {
            destination[i] = new ScatterListAddress(BinaryPrimitives.ReadUInt64LittleEndian(page[(i * ScatterListAddress.Size)..]));
        }

        return count;
    }

    /// <summary>Validates the list and returns its number of data pages (entries before EOL).</summary>
    public static int CountEntries(ReadOnlySpan<byte> page)
    {
        // Field names are built only on failure: a scatter page has up to 512 entries.
        var slots = Math.Min(page.Length / ScatterListAddress.Size, SlotCount);
        for (var i = 0; i < slots; i++)
        {
            var sla = new ScatterListAddress(BinaryPrimitives.ReadUInt64LittleEndian(page[(i * ScatterListAddress.Size)..]));
            if (sla.IsEndOfList)
            {
                if (i == 0)
                {
                    Fail(i, "EOL in the first slot: the list has no pages");
                }

                return i;
            }

            var problem = sla.HasReservedBits ? $"reserved bits set in SLA 0x{sla.Value:X16}"
                : sla.IsNull ? "NULL SLA before EOL"
                : sla.PageType != SlaPageType.Data ? "scatter pages may not nest"
                : sla.PageSize != SlaPageSize.Size4K ? "scatter list entries must be 4 KiB pages"
                : null;
            if (problem is not null)
            {
                Fail(i, problem);
            }
        }

        if (slots < SlotCount)
        {
            Fail(slots, $"truncated: needs {ScatterListAddress.Size} bytes at offset {slots * ScatterListAddress.Size}, page has {page.Length}");
        }

        throw new ProtocolFormatException($"{Message}.EOL", $"no EOL marker in {SlotCount} slots");
    }

    private static void Fail(int index, string reason) => throw new ProtocolFormatException($"{Message}.entry[{index}]", reason);
}
