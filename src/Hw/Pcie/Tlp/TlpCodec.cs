using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using SevTio.Hw.Ide;

namespace SevTio.Hw.Pcie;

/// <summary>
/// Encodes and decodes Non-Flit-Mode TLPs (PCIe Base 6.x §2.2): prefixes, 3- and 4-DW headers of every Table 2-3
/// type, payload and the trailers (PCRC and MAC from the IDE prefix, ECRC from TD). Header fields are big-endian on
/// the wire. Decoding rejects malformed bytes with <see cref="TlpFormatException"/> naming the field; reserved bits
/// are ignored, as receivers must (§2.2), so <c>Encode(Decode(b)) == b</c> holds for every packet whose reserved bits are 0.
/// </summary>
public static class TlpCodec
{
    /// <summary>Most prefixes of each kind (local, End-End) the model accepts; PCIe caps End-End prefixes at 4.</summary>
    public const int MaxPrefixesPerKind = 4;

    public const int MaxPayloadBytes = 4096;

    /// <summary>Largest packet: 8 prefixes, a 4-DW header, 4 KiB of payload, PCRC, MAC and ECRC.</summary>
    public const int MaxTlpBytes = (2 * MaxPrefixesPerKind * 4) + 16 + MaxPayloadBytes + 4 + 12 + 4;

    public const int MacBytes = 12;
    public const int PcrcBytes = 4;
    public const int EcrcBytes = 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HasData(TlpType type) => type switch
    {
        TlpType.MemoryWrite or TlpType.IoWrite or TlpType.ConfigWrite0 or TlpType.ConfigWrite1 or
        TlpType.DeferrableMemoryWrite or TlpType.FetchAdd or TlpType.Swap or TlpType.CompareAndSwap or
        TlpType.MessageWithData or TlpType.CompletionWithData or TlpType.CompletionWithDataLocked => true,
        _ => false,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FlowControlType FlowControlTypeOf(TlpType type) => type switch
    {
        TlpType.MemoryWrite or TlpType.Message or TlpType.MessageWithData => FlowControlType.Posted,
        TlpType.Completion or TlpType.CompletionWithData or TlpType.CompletionLocked or TlpType.CompletionWithDataLocked => FlowControlType.Completion,
        _ => FlowControlType.NonPosted,
    };

    /// <summary>True for the memory-addressed request kinds (address, byte enables, 3 or 4 DW).</summary>
    public static bool IsMemoryRequest(TlpType type) => type is
        TlpType.MemoryRead or TlpType.MemoryReadLocked or TlpType.MemoryWrite or TlpType.DeferrableMemoryWrite or
        TlpType.FetchAdd or TlpType.Swap or TlpType.CompareAndSwap;

    public static bool IsCompletion(TlpType type) => type is
        TlpType.Completion or TlpType.CompletionWithData or TlpType.CompletionLocked or TlpType.CompletionWithDataLocked;

    public static bool IsMessage(TlpType type) => type is TlpType.Message or TlpType.MessageWithData;

    /// <summary>Bytes of a packet with this header, payload and prefixes, before any IDE trailer.</summary>
    public static int EncodedLength(in TlpHeader header, int prefixBytes = 0) =>
        prefixBytes + header.HeaderBytes + header.PayloadBytes + (header.Digest ? EcrcBytes : 0);

    /// <summary>
    /// Writes a complete TLP without IDE: <paramref name="prefixes"/> (raw prefix DWs, local first), the header, the
    /// payload (exactly <see cref="TlpHeader.PayloadBytes"/> bytes) and, if TD is set, a zero ECRC placeholder
    /// (the model does not compute ECRC). Returns the bytes written.
    /// </summary>
    public static int Encode(in TlpHeader header, ReadOnlySpan<byte> payload, Span<byte> destination, ReadOnlySpan<byte> prefixes = default)
    {
        if ((prefixes.Length & 3) != 0)
        {
            throw new ArgumentException("prefixes are whole DWs", nameof(prefixes));
        }

        if (payload.Length != header.PayloadBytes)
        {
            throw new ArgumentException($"payload is {payload.Length} bytes but the header's Length says {header.PayloadBytes}", nameof(payload));
        }

        var total = EncodedLength(header, prefixes.Length);
        if (destination.Length < total)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes, the TLP needs {total}", nameof(destination));
        }

        prefixes.CopyTo(destination);
        var at = prefixes.Length;
        at += EncodeHeader(header, destination[at..]);
        payload.CopyTo(destination[at..]);
        at += payload.Length;
        if (header.Digest)
        {
            destination.Slice(at, EcrcBytes).Clear();
            at += EcrcBytes;
        }

        return at;
    }

    /// <summary>Writes the 3- or 4-DW header and returns its length. Invalid field values (from our own components) throw.</summary>
    public static int EncodeHeader(in TlpHeader h, Span<byte> destination)
    {
        var (fmt, type) = FmtType(h);
        var length = h.HeaderBytes;
        if (destination.Length < length)
        {
            throw new ArgumentException("destination too small for the header", nameof(destination));
        }

        Validate(h);
        var d = destination[..length];
        d.Clear();
        var lengthField = HasLength(h.Type) ? (h.LengthDw == 1024 ? 0 : h.LengthDw) : 0;
        var tagTop = IsCompletion(h.Type) || UsesTag(h.Type) ? h.Tag : 0;
        d[0] = (byte)((fmt << 5) | type);
        d[1] = (byte)(((tagTop >> 2) & 0x80) | ((h.TrafficClass & 7) << 4) | ((tagTop >> 5) & 0x08) | (((byte)h.Attributes & 4) != 0 ? 0x04 : 0) | (h.Hints ? 1 : 0));
        d[2] = (byte)((h.Digest ? 0x80 : 0) | (h.Poisoned ? 0x40 : 0) | (((byte)h.Attributes & 3) << 4) | ((h.AddressType & 3) << 2) | ((lengthField >> 8) & 3));
        d[3] = (byte)lengthField;

        switch (h.Type)
        {
            case TlpType.Completion or TlpType.CompletionWithData or TlpType.CompletionLocked or TlpType.CompletionWithDataLocked:
                BinaryPrimitives.WriteUInt16BigEndian(d[4..], h.CompleterId);
                var bc = h.ByteCount == 4096 ? 0 : h.ByteCount;
                d[6] = (byte)(((byte)h.Status << 5) | (h.ByteCountModified ? 0x10 : 0) | ((bc >> 8) & 0xF));
                d[7] = (byte)bc;
                BinaryPrimitives.WriteUInt16BigEndian(d[8..], h.RequesterId);
                d[10] = (byte)h.Tag;
                d[11] = (byte)(h.LowerAddress & 0x7F);
                break;

            case TlpType.Message or TlpType.MessageWithData:
                BinaryPrimitives.WriteUInt16BigEndian(d[4..], h.RequesterId);
                d[6] = (byte)h.Tag;
                d[7] = h.MessageCode;
                BinaryPrimitives.WriteUInt64BigEndian(d[8..], h.Routing == MessageRouting.ByAddress ? h.Address : h.MessageSpecific);
                break;

            case TlpType.ConfigRead0 or TlpType.ConfigWrite0 or TlpType.ConfigRead1 or TlpType.ConfigWrite1:
                WriteRequestDw1(h, d);
                BinaryPrimitives.WriteUInt16BigEndian(d[8..], h.TargetId);
                d[10] = (byte)((h.RegisterOffset >> 8) & 0xF);
                d[11] = (byte)(h.RegisterOffset & 0xFC);
                break;

            default:
                // Memory, IO and AtomicOp requests.
                WriteRequestDw1(h, d);
                if (h.Is4Dw)
                {
                    BinaryPrimitives.WriteUInt64BigEndian(d[8..], (h.Address & ~3UL) | (h.Hints ? (ulong)(h.ProcessingHint & 3) : 0));
                }
                else
                {
                    BinaryPrimitives.WriteUInt32BigEndian(d[8..], ((uint)h.Address & ~3u) | (h.Hints ? (uint)(h.ProcessingHint & 3) : 0));
                }

                break;
        }

        return length;
    }

    /// <summary>
    /// Decodes a header. <paramref name="source"/> starts at the header and may extend past it.
    /// </summary>
    /// <param name="source">Bytes from the header's first byte.</param>
    /// <param name="header">The decoded header.</param>
    /// <param name="offset">The header's offset in the packet, for error messages.</param>
    /// <returns>The header length in bytes (12 or 16).</returns>
    public static int DecodeHeader(ReadOnlySpan<byte> source, out TlpHeader header, int offset = 0)
    {
        if (source.Length < 4)
        {
            throw new TlpFormatException("Fmt/Type", offset, "packet ends before the header's first DW");
        }

        var fmt = source[0] >> 5;
        var typeBits = source[0] & 0x1F;
        if (fmt == 0b100)
        {
            throw new TlpFormatException("Fmt/Type", offset, "a prefix where the header should be");
        }

        var type = DecodeType(fmt, typeBits, offset, out var routing);
        var is4Dw = (fmt & 1) != 0;
        var length = is4Dw ? 16 : 12;
        if (source.Length < length)
        {
            throw new TlpFormatException("Length", offset, $"packet ends inside the {length / 4}-DW header");
        }

        var h = new TlpHeader { Type = type, Is4Dw = is4Dw };
        var b1 = source[1];
        var b2 = source[2];
        h.TrafficClass = (byte)((b1 >> 4) & 7);
        h.Hints = (b1 & 1) != 0;
        h.Digest = (b2 & 0x80) != 0;
        h.Poisoned = (b2 & 0x40) != 0;
        h.Attributes = (TlpAttributes)(((b2 >> 4) & 3) | ((b1 & 0x04) != 0 ? 4 : 0));
        var tagHigh = (ushort)(((b1 & 0x80) << 2) | ((b1 & 0x08) << 5));
        var lengthField = ((b2 & 3) << 8) | source[3];
        if (HasLength(type))
        {
            h.LengthDw = (ushort)(lengthField == 0 ? 1024 : lengthField);
        }

        switch (type)
        {
            case TlpType.Completion or TlpType.CompletionWithData or TlpType.CompletionLocked or TlpType.CompletionWithDataLocked:
                h.CompleterId = BinaryPrimitives.ReadUInt16BigEndian(source[4..]);
                var status = source[6] >> 5;
                if (status is 0b011 or > 0b100)
                {
                    throw new TlpFormatException("Completion Status", offset + 6, $"reserved value {status:b3}b");
                }

                h.Status = (CompletionStatus)status;
                h.ByteCountModified = (source[6] & 0x10) != 0;
                var bc = ((source[6] & 0xF) << 8) | source[7];
                h.ByteCount = (ushort)(bc == 0 ? 4096 : bc);
                h.RequesterId = BinaryPrimitives.ReadUInt16BigEndian(source[8..]);
                h.Tag = (ushort)(tagHigh | source[10]);
                h.LowerAddress = (byte)(source[11] & 0x7F);
                break;

            case TlpType.Message or TlpType.MessageWithData:
                h.Routing = routing;
                h.RequesterId = BinaryPrimitives.ReadUInt16BigEndian(source[4..]);
                h.Tag = source[6];
                h.MessageCode = source[7];
                var specific = BinaryPrimitives.ReadUInt64BigEndian(source[8..]);
                if (routing == MessageRouting.ByAddress)
                {
                    h.Address = specific;
                }
                else
                {
                    h.MessageSpecific = specific;
                }

                break;

            case TlpType.ConfigRead0 or TlpType.ConfigWrite0 or TlpType.ConfigRead1 or TlpType.ConfigWrite1:
                ReadRequestDw1(source, ref h, tagHigh);
                h.TargetId = BinaryPrimitives.ReadUInt16BigEndian(source[8..]);
                h.RegisterOffset = (ushort)(((source[10] & 0xF) << 8) | (source[11] & 0xFC));
                CheckByteEnables(h, offset);
                break;

            default:
                ReadRequestDw1(source, ref h, tagHigh);
                if (IsMemoryRequest(type))
                {
                    h.AddressType = (byte)((b2 >> 2) & 3);
                }

                ulong raw = is4Dw ? BinaryPrimitives.ReadUInt64BigEndian(source[8..]) : BinaryPrimitives.ReadUInt32BigEndian(source[8..]);
                h.Address = raw & ~3UL;
                if (h.Hints)
                {
                    h.ProcessingHint = (byte)(raw & 3);
                }

                CheckByteEnables(h, offset);
                if (IsMemoryRequest(type) && (h.Address & 0xFFF) + ((ulong)h.LengthDw * 4) > 4096 && type is not (TlpType.FetchAdd or TlpType.Swap or TlpType.CompareAndSwap))
                {
                    throw new TlpFormatException("Address/Length", offset + 8, "the request crosses a 4 KiB boundary");
                }

                break;
        }

        header = h;
        return length;
    }

    /// <summary>
    /// Parses a whole packet: prefixes (local, then End-End with the IDE prefix first among them), header, payload
    /// and trailers; checks that the Length field, the IDE prefix's M/P bits and TD account for exactly
    /// <paramref name="wire"/>.Length bytes.
    /// </summary>
    public static TlpLayout Parse(ReadOnlySpan<byte> wire, out TlpHeader header, out IdePrefix idePrefix)
    {
        idePrefix = default;
        var at = 0;
        var localCount = 0;
        var e2eCount = 0;
        var ideOffset = -1;
        while (at < wire.Length && (wire[at] >> 5) == 0b100)
        {
            var endToEnd = (wire[at] & 0x10) != 0;
            if (!endToEnd)
            {
                if (e2eCount > 0)
                {
                    throw new TlpFormatException("Local TLP Prefix", at, "a local prefix after an End-End prefix");
                }

                if (++localCount > MaxPrefixesPerKind)
                {
                    throw new TlpFormatException("Local TLP Prefix", at, $"more than {MaxPrefixesPerKind} local prefixes");
                }
            }
            else
            {
                if (++e2eCount > MaxPrefixesPerKind)
                {
                    throw new TlpFormatException("End-End TLP Prefix", at, $"more than {MaxPrefixesPerKind} End-End prefixes");
                }

                if (wire[at] == IdePrefix.PrefixByte0)
                {
                    if (e2eCount != 1)
                    {
                        throw new TlpFormatException("IDE prefix", at, "the IDE prefix must be the first End-End prefix");
                    }

                    if (at + 4 > wire.Length)
                    {
                        throw new TlpFormatException("IDE prefix", at, "packet ends inside the IDE prefix");
                    }

                    idePrefix = IdePrefix.Read(wire.Slice(at, 4), at);
                    ideOffset = at;
                }
            }

            at += 4;
        }

        if (at > wire.Length)
        {
            throw new TlpFormatException("TLP Prefix", wire.Length, "packet ends inside a prefix");
        }

        var headerOffset = at;
        var headerBytes = DecodeHeader(wire[at..], out header, at);
        at += headerBytes;
        var payloadOffset = at;
        var payloadBytes = header.PayloadBytes;
        at += payloadBytes;
        var pcrcOffset = -1;
        var macOffset = -1;
        var ecrcOffset = -1;
        if (ideOffset >= 0)
        {
            if (header.Digest)
            {
                throw new TlpFormatException("TD", headerOffset + 2, "ECRC is forbidden on an IDE TLP (PCRC replaces it)");
            }

            if (idePrefix.PcrcPresent)
            {
                pcrcOffset = at;
                at += PcrcBytes;
            }

            if (idePrefix.MacPresent)
            {
                macOffset = at;
                at += MacBytes;
            }
        }

        if (header.Digest)
        {
            ecrcOffset = at;
            at += EcrcBytes;
        }

        if (at != wire.Length)
        {
            throw new TlpFormatException("Length", headerOffset + 3, $"the header and prefixes account for {at} bytes but the packet has {wire.Length}");
        }

        var localBytes = localCount * 4;
        return new TlpLayout(localBytes, ideOffset, e2eCount * 4, headerOffset, headerBytes, payloadOffset, payloadBytes, pcrcOffset, macOffset, ecrcOffset, at);
    }

    private static void WriteRequestDw1(in TlpHeader h, Span<byte> d)
    {
        BinaryPrimitives.WriteUInt16BigEndian(d[4..], h.RequesterId);
        d[6] = (byte)h.Tag;
        d[7] = (byte)(((h.LastBe & 0xF) << 4) | (h.FirstBe & 0xF));
    }

    private static void ReadRequestDw1(ReadOnlySpan<byte> s, ref TlpHeader h, ushort tagHigh)
    {
        h.RequesterId = BinaryPrimitives.ReadUInt16BigEndian(s[4..]);
        h.Tag = UsesTag(h.Type) ? (ushort)(tagHigh | s[6]) : s[6];
        h.LastBe = (byte)(s[7] >> 4);
        h.FirstBe = (byte)(s[7] & 0xF);
    }

    private static void CheckByteEnables(in TlpHeader h, int offset)
    {
        // §2.2.5: a 1-DW request has Last DW BE 0000b; a longer one has neither BE field 0000b.
        if (h.Type is TlpType.FetchAdd or TlpType.Swap or TlpType.CompareAndSwap)
        {
            return;
        }

        if (h.LengthDw == 1 && h.LastBe != 0)
        {
            throw new TlpFormatException("Last DW BE", offset + 7, "must be 0000b for a 1-DW request");
        }

        if (h.LengthDw > 1 && (h.FirstBe == 0 || h.LastBe == 0))
        {
            throw new TlpFormatException(h.FirstBe == 0 ? "First DW BE" : "Last DW BE", offset + 7, "must not be 0000b for a request longer than 1 DW");
        }
    }

    private static bool HasLength(TlpType type) => type is not (TlpType.Completion or TlpType.CompletionLocked or TlpType.Message);

    // Posted memory writes carry a Tag field too, but it has no meaning; requests and completions use all 10 bits.
    private static bool UsesTag(TlpType type) => type is not (TlpType.Message or TlpType.MessageWithData);

    private static void Validate(in TlpHeader h)
    {
        if (h.TrafficClass > 7 || h.AddressType > 3 || h.Tag > 1023 || h.ProcessingHint > 3 || (byte)h.Attributes > 7)
        {
            throw new ArgumentException($"header field out of range: {h}");
        }

        if (HasLength(h.Type) && h.LengthDw is < 1 or > 1024)
        {
            throw new ArgumentException($"Length must be 1-1024 DW for {h.Type}");
        }

        if (IsMemoryRequest(h.Type) && !h.Is4Dw && h.Address > uint.MaxValue)
        {
            throw new ArgumentException($"address 0x{h.Address:X} needs a 4-DW header");
        }

        if ((h.Type is TlpType.Message or TlpType.MessageWithData) && !h.Is4Dw)
        {
            throw new ArgumentException("messages always have 4-DW headers");
        }

        if (h.Is4Dw && h.Type is TlpType.IoRead or TlpType.IoWrite or TlpType.ConfigRead0 or TlpType.ConfigRead1 or TlpType.ConfigWrite0 or TlpType.ConfigWrite1 or TlpType.Completion or TlpType.CompletionWithData or TlpType.CompletionLocked or TlpType.CompletionWithDataLocked)
        {
            throw new ArgumentException($"{h.Type} has a 3-DW header");
        }

        if (IsCompletion(h.Type) && (h.ByteCount is < 1 or > 4096 || h.LowerAddress > 0x7F || (byte)h.Status is 0b011 or > 0b100))
        {
            throw new ArgumentException($"completion fields out of range: {h}");
        }
    }

    private static (int Fmt, int Type) FmtType(in TlpHeader h)
    {
        var data = HasData(h.Type) ? 0b010 : 0;
        var four = h.Is4Dw ? 1 : 0;
        return h.Type switch
        {
            TlpType.MemoryRead => (four, 0b00000),
            TlpType.MemoryReadLocked => (four, 0b00001),
            TlpType.MemoryWrite => (data | four, 0b00000),
            TlpType.IoRead => (0, 0b00010),
            TlpType.IoWrite => (data, 0b00010),
            TlpType.ConfigRead0 => (0, 0b00100),
            TlpType.ConfigWrite0 => (data, 0b00100),
            TlpType.ConfigRead1 => (0, 0b00101),
            TlpType.ConfigWrite1 => (data, 0b00101),
            TlpType.DeferrableMemoryWrite => (data | four, 0b11011),
            TlpType.FetchAdd => (data | four, 0b01100),
            TlpType.Swap => (data | four, 0b01101),
            TlpType.CompareAndSwap => (data | four, 0b01110),
            TlpType.Message => (0b001, 0b10000 | (int)h.Routing),
            TlpType.MessageWithData => (0b011, 0b10000 | (int)h.Routing),
            TlpType.Completion => (0, 0b01010),
            TlpType.CompletionWithData => (data, 0b01010),
            TlpType.CompletionLocked => (0, 0b01011),
            TlpType.CompletionWithDataLocked => (data, 0b01011),
            _ => throw new ArgumentException($"unknown TLP type {h.Type}"),
        };
    }

    private static TlpType DecodeType(int fmt, int type, int offset, out MessageRouting routing)
    {
        routing = default;
        var data = (fmt & 0b010) != 0;
        var four = (fmt & 1) != 0;
        if ((type & 0b11000) == 0b10000)
        {
            var r = type & 7;
            if (!four || r > 0b101)
            {
                throw new TlpFormatException(r > 0b101 ? "Message routing" : "Fmt/Type", offset, $"Fmt {fmt:b3}b Type {type:b5}b is reserved");
            }

            routing = (MessageRouting)r;
            return data ? TlpType.MessageWithData : TlpType.Message;
        }

        TlpType? t = (type, data, four) switch
        {
            (0b00000, false, _) => TlpType.MemoryRead,
            (0b00001, false, _) => TlpType.MemoryReadLocked,
            (0b00000, true, _) => TlpType.MemoryWrite,
            (0b00010, false, false) => TlpType.IoRead,
            (0b00010, true, false) => TlpType.IoWrite,
            (0b00100, false, false) => TlpType.ConfigRead0,
            (0b00100, true, false) => TlpType.ConfigWrite0,
            (0b00101, false, false) => TlpType.ConfigRead1,
            (0b00101, true, false) => TlpType.ConfigWrite1,
            (0b11011, true, _) => TlpType.DeferrableMemoryWrite,
            (0b01100, true, _) => TlpType.FetchAdd,
            (0b01101, true, _) => TlpType.Swap,
            (0b01110, true, _) => TlpType.CompareAndSwap,
            (0b01010, false, false) => TlpType.Completion,
            (0b01010, true, false) => TlpType.CompletionWithData,
            (0b01011, false, false) => TlpType.CompletionLocked,
            (0b01011, true, false) => TlpType.CompletionWithDataLocked,
            _ => null,
        };
        return t ?? throw new TlpFormatException("Fmt/Type", offset, $"Fmt {fmt:b3}b Type {type:b5}b is reserved");
    }
}
