using SevTio.Hw.Simulation;

namespace SevTio.Guest.Cpu;

/// <summary>
/// Where the guest CPU's simulated time went, by kind of work the bounce-buffer path adds: copying data through
/// SWIOTLB and converting pages between private and shared (PVALIDATE, flushes and the page-state-change exits, whose
/// world switches and host work the vCPU is stalled in). Plain fields, counted on the hot path; telemetry reads them.
/// </summary>
public sealed class GuestCpuAccounting
{
    internal long _bouncedBytes;
    internal long _bounceCopies;
    internal SimTime _copyTime;
    internal long _convertedPages;
    internal long _conversions;
    internal SimTime _conversionTime;
    internal SimTime _messageCryptoTime;
    internal SimTime _digestTime;

    /// <summary>Bytes copied between private buffers and SWIOTLB slots (each direction counts).</summary>
    public long BouncedBytes => _bouncedBytes;

    /// <summary>Copy calls between private buffers and SWIOTLB slots.</summary>
    public long BounceCopies => _bounceCopies;

    /// <summary>Guest CPU time spent in bounce copies (and SWIOTLB slot bookkeeping).</summary>
    public SimTime CopyTime => _copyTime;

    /// <summary>4 KiB pages converted between private and shared at run time (coherent DMA buffers, message pages).</summary>
    public long ConvertedPages => _convertedPages;

    /// <summary>Calls of <c>set_memory_decrypted</c>/<c>set_memory_encrypted</c>.</summary>
    public long Conversions => _conversions;

    /// <summary>Guest CPU time spent converting pages: PVALIDATE, flushes and the page-state-change exits.</summary>
    public SimTime ConversionTime => _conversionTime;

    /// <summary>Time spent sealing and opening SNP guest messages.</summary>
    public SimTime MessageCryptoTime => _messageCryptoTime;

    /// <summary>Time spent hashing evidence blobs.</summary>
    public SimTime DigestTime => _digestTime;

    /// <summary>Copy plus conversion time: the guest CPU cost of not trusting the device.</summary>
    public SimTime BounceOverheadTime => _copyTime + _conversionTime;

    /// <summary>Zeroes every counter (between a warm-up and a measured phase).</summary>
    public void Reset()
    {
        _bouncedBytes = 0;
        _bounceCopies = 0;
        _copyTime = SimTime.Zero;
        _convertedPages = 0;
        _conversions = 0;
        _conversionTime = SimTime.Zero;
        _messageCryptoTime = SimTime.Zero;
        _digestTime = SimTime.Zero;
    }
}
