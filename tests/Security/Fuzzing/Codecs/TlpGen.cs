using CsCheck;
using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;
using SevTio.Security.Tests.Fuzzing.Harness;

namespace SevTio.Security.Tests.Fuzzing.Codecs;

/// <summary>
/// Valid Non-Flit-Mode TLP headers of every Table 2-3 type, with random field values inside each type's rules (byte
/// enables, 4 KiB boundary, 3- or 4-DW form, completion status and byte count), and whole packets around them: local
/// and End-End prefixes, an optional IDE prefix with its PCRC and MAC trailer, or an ECRC digest.
/// </summary>
internal static class TlpGen
{
    private static readonly TlpType[] s_memory = [TlpType.MemoryRead, TlpType.MemoryReadLocked, TlpType.MemoryWrite, TlpType.DeferrableMemoryWrite];
    private static readonly TlpType[] s_atomics = [TlpType.FetchAdd, TlpType.Swap, TlpType.CompareAndSwap];
    private static readonly TlpType[] s_config = [TlpType.ConfigRead0, TlpType.ConfigWrite0, TlpType.ConfigRead1, TlpType.ConfigWrite1];
    private static readonly TlpType[] s_completions = [TlpType.Completion, TlpType.CompletionWithData, TlpType.CompletionLocked, TlpType.CompletionWithDataLocked];

    /// <summary>The fields every header kind shares: TC, attributes, EP, TH with PH, AT.</summary>
    private static readonly Gen<TlpHeader> s_common = Gen.Select(Gen.Byte[0, 7], Gen.Byte[0, 7], Gen.Bool, Gen.Bool, Gen.Byte[0, 3], Gen.Byte[0, 3], (tc, attr, ep, th, ph, at) =>
        new TlpHeader { TrafficClass = tc, Attributes = (TlpAttributes)attr, Poisoned = ep, Hints = th, ProcessingHint = th ? ph : (byte)0, AddressType = at });

    /// <summary>Lengths favour short packets (most of the generator's time goes into payload bytes) but reach 1024 DW.</summary>
    private static readonly Gen<int> s_lengthDw = Gen.Frequency((8, (IGen<int>)Gen.Int[1, 16]), (3, Gen.Int[17, 128]), (1, Gen.Int[129, 1024]), (1, Gen.OneOf(1, 2, 1024)));

    public static readonly Gen<TlpHeader> MemoryRequest =
        Gen.Select(s_common, FuzzGen.OneOf(s_memory), s_lengthDw, Gen.Bool, FuzzGen.U64, Gen.UShort[0, 1023], Gen.UShort, Gen.Byte[0, 15])
        .Select((h, type, lengthDw, fourDw, rawAddress, tag, requester, be) =>
        {
            // Place the request so it does not cross a 4 KiB boundary (§2.2.7); a 3-DW header carries a 32-bit address.
            var address = (fourDw ? rawAddress : rawAddress & 0xFFFF_FFFFul) & ~0xFFFul;
            var room = 1024 - lengthDw;
            address |= (ulong)((rawAddress >> 2) % (ulong)(room + 1)) << 2;
            if (fourDw && address <= uint.MaxValue)
            {
                address |= 1ul << 32;
            }

            h.Type = type;
            h.Is4Dw = fourDw;
            h.Address = address;
            h.LengthDw = (ushort)lengthDw;
            h.Tag = tag;
            h.RequesterId = requester;
            h.FirstBe = lengthDw == 1 ? be : (byte)Math.Max((byte)1, be);
            h.LastBe = lengthDw == 1 ? (byte)0 : (byte)Math.Max((byte)1, (byte)(15 - be));
            return h;
        });

    public static readonly Gen<TlpHeader> AtomicOp =
        Gen.Select(s_common, FuzzGen.OneOf(s_atomics), FuzzGen.OneOf(1, 2, 4, 8), Gen.Bool, FuzzGen.U64, Gen.UShort[0, 1023], Gen.UShort)
        .Select((h, type, lengthDw, fourDw, rawAddress, tag, requester) =>
        {
            h.Type = type;
            h.Is4Dw = fourDw;
            h.Address = fourDw ? (rawAddress & ~3ul) | (1ul << 32) : rawAddress & 0xFFFF_FFFCul;
            h.LengthDw = (ushort)lengthDw;
            h.Tag = tag;
            h.RequesterId = requester;
            h.FirstBe = 0xF;
            h.LastBe = lengthDw == 1 ? (byte)0 : (byte)0xF;
            return h;
        });

    public static readonly Gen<TlpHeader> IoRequest =
        Gen.Select(s_common, Gen.Bool, Gen.UInt, Gen.UShort[0, 1023], Gen.UShort, Gen.Byte[0, 15], (h, write, address, tag, requester, be) =>
        {
            h.Type = write ? TlpType.IoWrite : TlpType.IoRead;
            h.Address = address & ~3u;
            h.LengthDw = 1;
            h.Tag = tag;
            h.RequesterId = requester;
            h.FirstBe = be;
            h.AddressType = 0;
            return h;
        });

    public static readonly Gen<TlpHeader> ConfigRequest =
        Gen.Select(s_common, FuzzGen.OneOf(s_config), Gen.UShort, Gen.UShort[0, 0x3FF], Gen.UShort[0, 1023], Gen.UShort, Gen.Byte[0, 15])
        .Select((h, type, target, register, tag, requester, be) =>
        {
            h.Type = type;
            h.TargetId = target;
            h.RegisterOffset = (ushort)(register << 2);
            h.LengthDw = 1;
            h.Tag = tag;
            h.RequesterId = requester;
            h.FirstBe = be;
            h.AddressType = 0;
            return h;
        });

    public static readonly Gen<TlpHeader> Completion =
        Gen.Select(s_common, FuzzGen.OneOf(s_completions), s_lengthDw, FuzzGen.OneOf(CompletionStatus.SuccessfulCompletion, CompletionStatus.UnsupportedRequest, CompletionStatus.RequestRetryStatus, CompletionStatus.CompleterAbort), Gen.UShort[1, 4096], Gen.Byte[0, 0x7F], Gen.UShort[0, 1023], Gen.UInt)
        .Select((h, type, lengthDw, status, byteCount, lowerAddress, tag, ids) =>
        {
            h.Type = type;
            h.LengthDw = TlpCodec.HasData(type) ? (ushort)lengthDw : (ushort)0;
            h.Status = status;
            h.ByteCount = byteCount;
            h.ByteCountModified = (ids & 0x8000_0000) != 0;
            h.LowerAddress = lowerAddress;
            h.Tag = tag;
            h.CompleterId = (ushort)ids;
            h.RequesterId = (ushort)(ids >> 16);
            h.AddressType = 0;
            h.ProcessingHint = 0;
            return h;
        });

    public static readonly Gen<TlpHeader> Message =
        Gen.Select(s_common, Gen.Bool, Gen.Byte[0, 5], FuzzGen.U8, FuzzGen.U64, Gen.UShort, Gen.Byte, s_lengthDw)
        .Select((h, data, routing, code, specific, requester, tag, lengthDw) =>
        {
            h.Type = data ? TlpType.MessageWithData : TlpType.Message;
            h.Is4Dw = true;
            h.Routing = (MessageRouting)routing;
            h.MessageCode = code;
            h.RequesterId = requester;
            h.Tag = tag;
            h.LengthDw = data ? (ushort)lengthDw : (ushort)0;
            h.AddressType = 0;
            h.ProcessingHint = 0;
            if (h.Routing == MessageRouting.ByAddress)
            {
                h.Address = specific;
            }
            else
            {
                h.MessageSpecific = specific;
            }

            return h;
        });

    public static readonly Gen<TlpHeader> Header = FuzzGen.Any(MemoryRequest, MemoryRequest, AtomicOp, IoRequest, ConfigRequest, Completion, Completion, Message);

    /// <summary>Raw prefix DWs: 0-2 local prefixes (Fmt 100b, bit 4 clear), then 0-2 End-End prefixes that are not IDE.</summary>
    private static readonly Gen<byte[]> s_otherPrefixes =
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 2], FuzzGen.Bytes(16)).Select((local, e2e, raw) =>
        {
            var prefixes = new byte[4 * (local + e2e)];
            for (var i = 0; i < local + e2e; i++)
            {
                raw.AsSpan(4 * i, 4).CopyTo(prefixes.AsSpan(4 * i));
                var type = (byte)(raw[4 * i] & 0x0F);
                prefixes[4 * i] = (byte)(0x80 | (i < local ? 0 : 0x10) | (i >= local && type == 0x02 ? 0x03 : type));
            }

            return prefixes;
        });

    public static readonly Gen<IdePrefix> Prefix =
        Gen.Select(FuzzGen.U8, Gen.Byte[0, 7], FuzzGen.U8, Gen.Bool, Gen.Bool, Gen.Byte[0, 1], Gen.Bool, (stream, sub, pr, p, m, k, t) =>
            new IdePrefix(stream, sub, pr, p && m, m, k, t));

    /// <summary>
    /// A whole packet: other prefixes, optional IDE prefix (first End-End prefix, after the local ones) with trailer bytes
    /// where its M and P bits say, header, payload, optional ECRC (only without IDE).
    /// </summary>
    public static readonly Gen<byte[]> Packet =
        Gen.Select(Header, s_otherPrefixes, Gen.Frequency((2, (IGen<IdePrefix?>)Prefix.Select(p => (IdePrefix?)p)), (1, Gen.Const((IdePrefix?)null))), Gen.Bool, FuzzGen.Bytes(64))
        .SelectMany((header, prefixes, ide, digest, seedBytes) => FuzzGen.Bytes(header.PayloadBytes).Select(payload =>
        {
            header.Digest = ide is null && digest;
            var localBytes = 0;
            while (localBytes < prefixes.Length && (prefixes[localBytes] & 0x10) == 0)
            {
                localBytes += 4;
            }

            var allPrefixes = prefixes;
            if (ide is { } p)
            {
                allPrefixes = new byte[prefixes.Length + IdePrefix.Size];
                prefixes.AsSpan(0, localBytes).CopyTo(allPrefixes);
                p.Write(allPrefixes.AsSpan(localBytes));
                prefixes.AsSpan(localBytes).CopyTo(allPrefixes.AsSpan(localBytes + IdePrefix.Size));
            }

            var trailer = ide is { } q ? (q.PcrcPresent ? TlpCodec.PcrcBytes : 0) + (q.MacPresent ? TlpCodec.MacBytes : 0) : 0;
            var length = TlpCodec.EncodedLength(header, allPrefixes.Length);
            var wire = new byte[length + trailer];
            TlpCodec.Encode(header, payload, wire, allPrefixes);
            seedBytes.AsSpan(0, trailer).CopyTo(wire.AsSpan(length));
            return wire;
        }));
}
