namespace SevTio.Hw.Pcie;

/// <summary>
/// The decoded Non-Flit-Mode TLP header (PCIe §2.2): one struct for every TLP kind, as a SystemC TLM generic payload
/// is one type for every transaction. Which fields mean something depends on <see cref="Type"/>; the others are 0.
/// <see cref="TlpCodec"/> turns it into wire bytes and back (exact inverses for headers whose reserved bits are 0).
/// </summary>
/// <remarks>
/// The T (TEE-originated) bit is not a header field in Non-Flit Mode: it rides in the IDE prefix
/// (<see cref="Ide.IdePrefix.TeeOriginated"/>). Fields are public for zero-cost use on the per-TLP path.
/// </remarks>
public struct TlpHeader : IEquatable<TlpHeader>
{
    /// <summary>The TLP kind (Fmt/Type).</summary>
    public TlpType Type;

    /// <summary>
    /// True for a 4-DW header. Memory requests and AtomicOps choose 3 DW below 4 GiB and 4 DW above (§2.2.4.1);
    /// messages are always 4 DW; IO, configuration and completions are always 3 DW.
    /// </summary>
    public bool Is4Dw;

    /// <summary>TC[2:0].</summary>
    public byte TrafficClass;

    /// <summary>Attr[2:0].</summary>
    public TlpAttributes Attributes;

    /// <summary>TH: TLP Processing Hints present (PH in address bits 1:0).</summary>
    public bool Hints;

    /// <summary>TD: a 1-DW ECRC digest follows the payload. Forbidden on IDE TLPs.</summary>
    public bool Digest;

    /// <summary>EP: poisoned.</summary>
    public bool Poisoned;

    /// <summary>AT[1:0] for memory requests (00b untranslated).</summary>
    public byte AddressType;

    /// <summary>
    /// Length[9:0] in DW (1-1024) for TLPs that carry or request data (MWr, MRd, CplD, MsgD, IO/Cfg, AtomicOps);
    /// 0 for Cpl and Msg, whose Length field is reserved.
    /// </summary>
    public ushort LengthDw;

    /// <summary>Requester ID (bus 15:8, device 7:3, function 2:0); for completions the original requester.</summary>
    public ushort RequesterId;

    /// <summary>Tag[9:0] (10-bit tags: T9 and T8 in DW0 byte 1).</summary>
    public ushort Tag;

    /// <summary>First DW Byte Enables.</summary>
    public byte FirstBe;

    /// <summary>Last DW Byte Enables (0 when Length is 1 DW).</summary>
    public byte LastBe;

    /// <summary>Memory/IO address (bits 1:0 are 0) or, for address-routed messages, the routing address.</summary>
    public ulong Address;

    /// <summary>PH[1:0] processing hint when <see cref="Hints"/> is set.</summary>
    public byte ProcessingHint;

    /// <summary>Completer ID of a completion.</summary>
    public ushort CompleterId;

    /// <summary>Completion Status.</summary>
    public CompletionStatus Status;

    /// <summary>BCM: Byte Count Modified (PCI-X bridges only).</summary>
    public bool ByteCountModified;

    /// <summary>Byte Count: bytes left to return for the request, this completion included (1-4096; 0 on the wire means 4096).</summary>
    public ushort ByteCount;

    /// <summary>Lower Address[6:0] of the first enabled byte this completion returns.</summary>
    public byte LowerAddress;

    /// <summary>Message routing r[2:0].</summary>
    public MessageRouting Routing;

    /// <summary>Message Code.</summary>
    public byte MessageCode;

    /// <summary>
    /// Message header bytes 8-15 as a big-endian 64-bit value (routing- and code-specific: the destination ID in bytes 8-9
    /// for ID routing, the address for address routing). Ignored for address routing, which uses <see cref="Address"/>.
    /// </summary>
    public ulong MessageSpecific;

    /// <summary>Configuration requests: the target Bus/Device/Function.</summary>
    public ushort TargetId;

    /// <summary>Configuration requests: the byte offset of the dword addressed (Extended Register Number ‖ Register Number ‖ 00b).</summary>
    public ushort RegisterOffset;

    /// <summary>Header length in bytes (12 or 16).</summary>
    public readonly int HeaderBytes => Is4Dw ? 16 : 12;

    /// <summary>True if the TLP carries a data payload (Fmt[1] = 1).</summary>
    public readonly bool HasData => TlpCodec.HasData(Type);

    /// <summary>Payload bytes on the wire (Length × 4 for TLPs with data, else 0).</summary>
    public readonly int PayloadBytes => HasData ? LengthDw * 4 : 0;

    public readonly FlowControlType FlowControlType => TlpCodec.FlowControlTypeOf(Type);

    /// <summary>For ID-routed messages: the destination ID (message bytes 8-9).</summary>
    public readonly ushort MessageTargetId => (ushort)(MessageSpecific >> 48);

    /// <summary>
    /// A memory write of <paramref name="lengthBytes"/> bytes at <paramref name="address"/> (byte enables from the
    /// address and length; 4-DW header above 4 GiB). The payload on the wire spans whole dwords.
    /// </summary>
    public static TlpHeader MemoryWrite(ushort requesterId, ulong address, int lengthBytes, byte trafficClass = 0, TlpAttributes attributes = TlpAttributes.None)
    {
        var h = MemoryRequest(TlpType.MemoryWrite, requesterId, 0, address, lengthBytes);
        h.TrafficClass = trafficClass;
        h.Attributes = attributes;
        return h;
    }

    /// <summary>A memory read request for <paramref name="lengthBytes"/> bytes.</summary>
    public static TlpHeader MemoryRead(ushort requesterId, ushort tag, ulong address, int lengthBytes, byte trafficClass = 0, TlpAttributes attributes = TlpAttributes.None)
    {
        var h = MemoryRequest(TlpType.MemoryRead, requesterId, tag, address, lengthBytes);
        h.TrafficClass = trafficClass;
        h.Attributes = attributes;
        return h;
    }

    /// <summary>
    /// A successful completion with data returning <paramref name="lengthBytes"/> bytes starting at
    /// <paramref name="address"/> (only its low 7 bits go on the wire), with <paramref name="byteCount"/> bytes
    /// of the request still to return including these.
    /// </summary>
    public static TlpHeader CompletionWithData(ushort completerId, ushort requesterId, ushort tag, ulong address, int lengthBytes, int byteCount, byte trafficClass = 0, TlpAttributes attributes = TlpAttributes.None)
    {
        if (lengthBytes is < 1 or > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(lengthBytes), lengthBytes, "a completion returns 1-4096 bytes");
        }

        if (byteCount < lengthBytes || byteCount > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(byteCount), byteCount, "byte count covers this completion and is at most 4096");
        }

        var first = (int)(address & 3);
        return new TlpHeader
        {
            Type = TlpType.CompletionWithData,
            CompleterId = completerId,
            RequesterId = requesterId,
            Tag = tag,
            Status = CompletionStatus.SuccessfulCompletion,
            LengthDw = (ushort)((first + lengthBytes + 3) / 4),
            ByteCount = (ushort)byteCount,
            LowerAddress = (byte)(address & 0x7F),
            TrafficClass = trafficClass,
            Attributes = attributes,
        };
    }

    /// <summary>A completion without data (an error status, or a non-posted write's completion).</summary>
    public static TlpHeader CompletionWithoutData(ushort completerId, ushort requesterId, ushort tag, CompletionStatus status, int byteCount = 4, byte lowerAddress = 0, byte trafficClass = 0) =>
        new()
        {
            Type = TlpType.Completion,
            CompleterId = completerId,
            RequesterId = requesterId,
            Tag = tag,
            Status = status,
            ByteCount = (ushort)byteCount,
            LowerAddress = (byte)(lowerAddress & 0x7F),
            TrafficClass = trafficClass,
        };

    /// <summary>A message without data.</summary>
    public static TlpHeader Message(ushort requesterId, byte code, MessageRouting routing, ulong messageSpecific = 0, byte trafficClass = 0) =>
        new()
        {
            Type = TlpType.Message,
            Is4Dw = true,
            RequesterId = requesterId,
            MessageCode = code,
            Routing = routing,
            MessageSpecific = messageSpecific,
            TrafficClass = trafficClass,
        };

    /// <summary>
    /// An ID-routed IDE message (Sync 0x54 or Fail 0x55) to <paramref name="destinationId"/>, the stream's RID Base
    /// (§6.33.7). Bytes 12-15 carry [assumed layout] PR_Sent_Counter-NPR, PR_Sent_Counter-CPL, reserved and the Stream ID.
    /// </summary>
    public static TlpHeader IdeMessage(byte code, ushort requesterId, ushort destinationId, byte streamId, byte prSentNonPosted = 0, byte prSentCompletion = 0, byte trafficClass = 0) =>
        Message(
            requesterId,
            code,
            MessageRouting.ById,
            ((ulong)destinationId << 48) | ((ulong)prSentNonPosted << 24) | ((ulong)prSentCompletion << 16) | streamId,
            trafficClass);

    private static TlpHeader MemoryRequest(TlpType type, ushort requesterId, ushort tag, ulong address, int lengthBytes)
    {
        if (lengthBytes is < 1 or > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(lengthBytes), lengthBytes, "a memory request moves 1-4096 bytes");
        }

        var end = address + (ulong)lengthBytes;
        var firstDw = address & ~3UL;
        var lastDwEnd = (end + 3) & ~3UL;
        var lengthDw = (int)((lastDwEnd - firstDw) / 4);
        var firstBe = (byte)((0xF << (int)(address & 3)) & 0xF);
        var lastBe = (byte)((end & 3) == 0 ? 0xF : (0xF >> (4 - (int)(end & 3))));
        if (lengthDw == 1)
        {
            firstBe &= lastBe;
            lastBe = 0;
        }

        return new TlpHeader
        {
            Type = type,
            Is4Dw = address > uint.MaxValue,
            RequesterId = requesterId,
            Tag = tag,
            Address = firstDw,
            LengthDw = (ushort)lengthDw,
            FirstBe = firstBe,
            LastBe = lastBe,
        };
    }

    public readonly bool Equals(TlpHeader other) =>
        Type == other.Type && Is4Dw == other.Is4Dw && TrafficClass == other.TrafficClass && Attributes == other.Attributes &&
        Hints == other.Hints && Digest == other.Digest && Poisoned == other.Poisoned && AddressType == other.AddressType &&
        LengthDw == other.LengthDw && RequesterId == other.RequesterId && Tag == other.Tag && FirstBe == other.FirstBe &&
        LastBe == other.LastBe && Address == other.Address && ProcessingHint == other.ProcessingHint &&
        CompleterId == other.CompleterId && Status == other.Status && ByteCountModified == other.ByteCountModified &&
        ByteCount == other.ByteCount && LowerAddress == other.LowerAddress && Routing == other.Routing &&
        MessageCode == other.MessageCode && MessageSpecific == other.MessageSpecific && TargetId == other.TargetId &&
        RegisterOffset == other.RegisterOffset;

    public override readonly bool Equals(object? obj) => obj is TlpHeader h && Equals(h);

    public override readonly int GetHashCode() => HashCode.Combine(Type, Address, LengthDw, RequesterId, Tag, CompleterId, MessageCode);

    public static bool operator ==(TlpHeader a, TlpHeader b) => a.Equals(b);

    public static bool operator !=(TlpHeader a, TlpHeader b) => !a.Equals(b);

    public override readonly string ToString() => Type switch
    {
        TlpType.Completion or TlpType.CompletionWithData or TlpType.CompletionLocked or TlpType.CompletionWithDataLocked =>
            $"{Type} cpl={CompleterId:X4} req={RequesterId:X4} tag={Tag} {Status} bc={ByteCount} la=0x{LowerAddress:X2} len={LengthDw}DW",
        TlpType.Message or TlpType.MessageWithData =>
            $"{Type} code=0x{MessageCode:X2} {Routing} req={RequesterId:X4} len={LengthDw}DW",
        _ => $"{Type} req={RequesterId:X4} tag={Tag} addr=0x{Address:X} len={LengthDw}DW be={LastBe:X}{FirstBe:X}",
    };
}
