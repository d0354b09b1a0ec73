using SevTio.Hw.Pcie;

namespace SevTio.Hw.Ide;

/// <summary>
/// The Flit-Mode header's TS[2:0] (Trailer Size) encodings that matter to IDE (PCIe §2.2.1.2): 000b none,
/// 001b a 1-DW ECRC (unused with IDE), 101b a 3-DW trailer holding the IDE MAC, 110b a 4-DW trailer holding the MAC
/// and PCRC. The MAC and PCRC meanings apply only when OHC-C marks the TLP as IDE.
/// </summary>
public static class IdeTrailer
{
    public const byte None = 0b000;
    public const byte Ecrc = 0b001;
    public const byte Mac = 0b101;
    public const byte MacAndPcrc = 0b110;

    /// <summary>The TS value for an IDE TLP.</summary>
    public static byte Encode(bool macPresent, bool pcrcPresent)
    {
        if (pcrcPresent && !macPresent)
        {
            throw new ArgumentException("PCRC travels only with a MAC (PCIe §6.33.5)", nameof(pcrcPresent));
        }

        return macPresent ? (pcrcPresent ? MacAndPcrc : Mac) : None;
    }

    /// <summary>Decodes TS for an IDE TLP; encodings other than none, MAC and MAC+PCRC are malformed on an IDE TLP.</summary>
    public static (bool MacPresent, bool PcrcPresent) Decode(byte ts, int offset = 0) => ts switch
    {
        None => (false, false),
        Mac => (true, false),
        MacAndPcrc => (true, true),
        _ => throw new TlpFormatException("TS", offset, $"trailer size {ts:b3}b is not valid on an IDE TLP"),
    };

    /// <summary>Trailer length in bytes for a TS value (1-5 DW; 000b is none).</summary>
    public static int Length(byte ts) => ts switch
    {
        0b000 => 0,
        0b001 or 0b010 => 4,
        0b011 or 0b100 => 8,
        0b101 => 12,
        0b110 => 16,
        _ => 20,
    };
}
