namespace SevTio.Hw.Pcie;

/// <summary>
/// Where each part of a Non-Flit-Mode TLP sits in its wire bytes (PCIe §2.2.1 and §6.33.5 wire order):
/// [local prefixes] [IDE prefix] [other End-End prefixes] header [payload] [PCRC] [MAC] [ECRC].
/// Offsets are from the first byte; absent parts have offset -1 and length 0.
/// </summary>
public readonly record struct TlpLayout(
    int LocalPrefixBytes,
    int IdePrefixOffset,
    int EndToEndPrefixBytes,
    int HeaderOffset,
    int HeaderBytes,
    int PayloadOffset,
    int PayloadBytes,
    int PcrcOffset,
    int MacOffset,
    int EcrcOffset,
    int Length)
{
    public bool HasIdePrefix => IdePrefixOffset >= 0;

    /// <summary>
    /// Start of the Selective-IDE additional authenticated data: the IDE prefix, other End-End prefixes and header
    /// (local prefixes are not protected by Selective IDE, §6.33.1).
    /// </summary>
    public int AadOffset => LocalPrefixBytes;

    public int AadLength => PayloadOffset - LocalPrefixBytes;

    /// <summary>All prefix bytes (local and End-End).</summary>
    public int PrefixBytes => LocalPrefixBytes + EndToEndPrefixBytes;
}
