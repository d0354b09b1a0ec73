using System.Buffers.Binary;
using SevTio.Hw.Pcie;

namespace SevTio.Hw.Ide;

/// <summary>
/// The Non-Flit-Mode IDE TLP Prefix (PCIe §6.33.5; one DW, the first End-End prefix). Byte 0 is 0x92 (Fmt 100b,
/// End-End prefix type 0010b); byte 1 PR_Sent_Counter; byte 2 Stream ID; byte 3: bits 6:4 Sub-Stream (bit 7
/// reserved), bit 3 P (PCRC present), bit 2 M (MAC present), bit 1 K (key set), bit 0 T (TEE-originated).
/// </summary>
/// <remarks>
/// Bytes 1-3 follow the Cadence VIP and Simics layouts the reference marks [derived]. The T bit lives only here (and in
/// OHC-C in Flit Mode): a TLP without an IDE prefix is never TEE-originated in this model, since TDISP requires T=1
/// traffic to travel on a Selective IDE stream (TEE-IO, §11.2).
/// </remarks>
public readonly record struct IdePrefix(byte StreamId, byte Substream, byte PrSentCounter, bool PcrcPresent, bool MacPresent, byte KeySet, bool TeeOriginated)
{
    /// <summary>Byte 0 of every IDE prefix.</summary>
    public const byte PrefixByte0 = 0x92;

    public const int Size = 4;

    /// <summary>The sub-stream as an enum value (may be a reserved value; check <see cref="IsReservedSubstream"/>).</summary>
    public IdeSubstream SubstreamKind => (IdeSubstream)Substream;

    /// <summary>Sub-streams 011b-111b are reserved in NFM; receiving one fails the IDE check.</summary>
    public bool IsReservedSubstream => Substream > 2;

    public void Write(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException("the IDE prefix needs 4 bytes", nameof(destination));
        }

        destination[0] = PrefixByte0;
        destination[1] = PrSentCounter;
        destination[2] = StreamId;
        destination[3] = (byte)(((Substream & 0x7) << 4) | (PcrcPresent ? 0x8 : 0) | (MacPresent ? 0x4 : 0) | ((KeySet & 1) << 1) | (TeeOriginated ? 1 : 0));
    }

    public uint ToUInt32()
    {
        Span<byte> b = stackalloc byte[Size];
        Write(b);
        return BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    /// <summary>
    /// Decodes four wire bytes. Byte 0 must be 0x92; a set P without M is malformed (§6.33.5: PCRC only with a MAC).
    /// The reserved bit 7 of byte 3 is ignored, as receivers ignore reserved bits (it is still covered by the MAC).
    /// </summary>
    /// <param name="source">The prefix bytes.</param>
    /// <param name="offset">Where the prefix sits in the packet, for the error message.</param>
    public static IdePrefix Read(ReadOnlySpan<byte> source, int offset = 0)
    {
        if (source.Length < Size)
        {
            throw new TlpFormatException("IDE prefix", offset, "truncated: the IDE prefix is one DW");
        }

        if (source[0] != PrefixByte0)
        {
            throw new TlpFormatException("IDE prefix Fmt/Type", offset, $"byte 0 is 0x{source[0]:X2}, expected 0x92");
        }

        var b3 = source[3];
        var p = (b3 & 0x8) != 0;
        var m = (b3 & 0x4) != 0;
        if (p && !m)
        {
            throw new TlpFormatException("IDE prefix P", offset + 3, "PCRC present without a MAC");
        }

        return new IdePrefix(source[2], (byte)((b3 >> 4) & 0x7), source[1], p, m, (byte)((b3 >> 1) & 1), (b3 & 1) != 0);
    }
}
