using SevTio.Hw.Pcie;

namespace SevTio.Hw.Ide;

/// <summary>
/// Flit-Mode Orthogonal Header Content C (one DW; PCIe §2.2.1.2, §6.33.5), the FM counterpart of the IDE prefix:
/// byte 0 Requester Segment; byte 1 PR_Sent_Counter; byte 2 Stream ID; byte 3: bits 6:4 Sub-Stream (bit 7 reserved),
/// bit 3 RSV (Requester Segment Valid), bit 2 reserved (XT in the TDISP-XT ECN), bit 1 K, bit 0 T.
/// MAC and PCRC presence are not in OHC-C: the header's TS[2:0] says it (<see cref="IdeTrailer"/>).
/// </summary>
/// <remarks>Byte layout from the Intel SFI bridge and Cadence VIP sources the reference marks [derived].</remarks>
public readonly record struct OhcC(byte RequesterSegment, byte PrSentCounter, byte StreamId, byte Substream, bool RequesterSegmentValid, byte KeySet, bool TeeOriginated)
{
    public const int Size = 4;

    /// <summary>Sub-stream 111b marks a non-IDE TLP that carries OHC-C only for its Requester Segment.</summary>
    public bool IsIde => Substream != (byte)IdeSubstream.NonIdeWithOhcC;

    public bool IsReservedSubstream => Substream is > 2 and < 7;

    public void Write(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException("OHC-C needs 4 bytes", nameof(destination));
        }

        destination[0] = RequesterSegment;
        destination[1] = PrSentCounter;
        destination[2] = StreamId;
        destination[3] = (byte)(((Substream & 0x7) << 4) | (RequesterSegmentValid ? 0x8 : 0) | ((KeySet & 1) << 1) | (TeeOriginated ? 1 : 0));
    }

    /// <summary>Decodes four wire bytes; reserved bits (byte 3 bits 7 and 2) are ignored.</summary>
    /// <param name="source">The OHC-C bytes.</param>
    /// <param name="offset">Where OHC-C sits in the packet, for the error message.</param>
    public static OhcC Read(ReadOnlySpan<byte> source, int offset = 0)
    {
        if (source.Length < Size)
        {
            throw new TlpFormatException("OHC-C", offset, "truncated: OHC-C is one DW");
        }

        var b3 = source[3];
        return new OhcC(source[0], source[1], source[2], (byte)((b3 >> 4) & 0x7), (b3 & 0x8) != 0, (byte)((b3 >> 1) & 1), (b3 & 1) != 0);
    }
}
