using SevTio.Protocols.Psp;

namespace SevTio.Host.Psp;

/// <summary>
/// A buffer the host hands the PSP: its 4 KiB data pages and, when there is more than one, the scatter page listing
/// them (Linux <c>sla_alloc</c>). Firmware buffers (and their scatter page) are donated to the PSP with RMPUPDATE;
/// the host gives them back with SNP_PAGE_RECLAIM.
/// </summary>
public sealed class FirmwareBuffer
{
    internal FirmwareBuffer(IReadOnlyList<ulong> pages, ulong? scatterPage, bool firmwareOwned)
    {
        Pages = pages;
        ScatterPage = scatterPage;
        FirmwareOwned = firmwareOwned;
        Sla = scatterPage is { } scatter
            ? ScatterListAddress.Scatter(scatter >> 12)
            : ScatterListAddress.FromPhysicalAddress(pages[0]);
    }

    public IReadOnlyList<ulong> Pages { get; }

    public ulong? ScatterPage { get; }

    public bool FirmwareOwned { get; }

    public ScatterListAddress Sla { get; }

    public int Capacity => Pages.Count * 4096;

    /// <summary>Every page the buffer occupies, scatter page included.</summary>
    public IEnumerable<ulong> AllPages => ScatterPage is { } scatter ? Pages.Append(scatter) : Pages;
}
