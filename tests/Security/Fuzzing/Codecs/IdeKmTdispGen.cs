using System.Buffers.Binary;
using CsCheck;
using SevTio.Protocols.IdeKm;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;
using SevTio.Security.Tests.Fuzzing.Harness;

namespace SevTio.Security.Tests.Fuzzing.Codecs;

/// <summary>Valid IDE_KM objects (PCIe §6.33.3) and TDISP 1.0 messages and interface reports (PCIe §11.3), random fields.</summary>
internal static class IdeKmTdispGen
{
    public static readonly Codec IdeKm = new("IDE_KM", b => IdeKmMessage.Decode(b).Encode());

    public static readonly Codec Tdisp = new("TDISP", b => TdispMessage.Decode(b).Encode());

    public static readonly Codec Report = new(TdispDeviceInterfaceReport.Name, b => TdispDeviceInterfaceReport.Decode(b).Encode());

    /// <summary>KeyInfo with a defined sub-stream most of the time, any 4-bit sub-stream otherwise.</summary>
    public static readonly Gen<IdeKmKeyInfo> KeyInfo =
        Gen.Select(Gen.Byte[0, 1], Gen.Bool, Gen.Frequency((6, (IGen<byte>)Gen.Byte[0, 2]), (1, Gen.Byte[0, 15])), (set, tx, sub) =>
            new IdeKmKeyInfo(set, tx ? IdeKmDirection.Transmit : IdeKmDirection.Receive, (IdeKmSubStream)sub));

    /// <summary>
    /// A copy of the IDE Extended Capability from offset 04h that QUERY_RESP carries: Capability and Control, the Link
    /// IDE block (one 8-byte pair per TC) if bit 0, then one Selective block per stream with its address blocks if bit 1.
    /// </summary>
    public static readonly Gen<byte[]> IdeCapability =
        Gen.Select(Gen.Bool, Gen.Int[0, 7], Gen.Bool, Gen.Int[0, 3], Gen.Int[0, 2].Array[4], FuzzGen.Bytes(512))
        .Select((link, tcs, selective, streams, blocks, noise) =>
        {
            var cap = (link ? 1u : 0) | (selective ? 2u : 0) | ((uint)tcs << 13) | ((uint)streams << 16) | (BinaryPrimitives.ReadUInt32LittleEndian(noise) & 0xFF00_1FFCu);
            var length = 8 + (link ? 8 * (tcs + 1) : 0) + (selective ? Enumerable.Range(0, streams + 1).Sum(i => 4 + 16 + (12 * blocks[i])) : 0);
            var bytes = noise.AsSpan(0, length).ToArray();
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, cap);
            if (selective)
            {
                var at = 8 + (link ? 8 * (tcs + 1) : 0);
                for (var i = 0; i <= streams; i++)
                {
                    bytes[at] = (byte)((bytes[at] & 0xF0) | blocks[i]);
                    at += 4 + 16 + (12 * blocks[i]);
                }
            }

            return bytes;
        });

    public static readonly Gen<IdeKmMessage> IdeKmMessages = FuzzGen.Any(
        FuzzGen.U8.Select(p => (IdeKmMessage)new IdeKmQuery(p)),
        Gen.Select(FuzzGen.U8, FuzzGen.U8, FuzzGen.U8, FuzzGen.U8, FuzzGen.U8, IdeCapability, (p, df, bus, seg, max, cap) => (IdeKmMessage)new IdeKmQueryResponse(p, df, bus, seg, max, cap)),
        Gen.Select(FuzzGen.U8, KeyInfo, FuzzGen.U8, FuzzGen.Bytes(32), FuzzGen.U64, (s, k, p, key, ifv) => (IdeKmMessage)new IdeKmKeyProg(s, k, p, key, ifv)),
        Gen.Select(FuzzGen.U8, Gen.Byte[0, 5], KeyInfo, FuzzGen.U8, (s, status, k, p) => (IdeKmMessage)new IdeKmKpAck(s, (IdeKmKpAckStatus)status, k, p)),
        Gen.Select(FuzzGen.OneOf(IdeKmObjectId.KSetGo, IdeKmObjectId.KSetStop, IdeKmObjectId.KGoStopAck), FuzzGen.U8, KeyInfo, FuzzGen.U8, (id, s, k, p) => (IdeKmMessage)new IdeKmKeySetMessage(id, s, k, p)));

    public static readonly Gen<TdispInterfaceId> InterfaceId = FuzzGen.U32.Select(f => new TdispInterfaceId(f & ~TdispInterfaceId.ReservedMask));

    public static readonly Gen<byte> TdispVersion = Gen.Frequency((8, (IGen<byte>)Gen.Const(TdispHeader.Version10)), (1, Gen.Byte));

    public static readonly Gen<TdispMmioRange> MmioRange =
        Gen.Select(FuzzGen.U64, FuzzGen.U32, Gen.UShort, FuzzGen.U16, (page, pages, attributes, id) => new TdispMmioRange(page, pages, (TdispMmioRangeAttributes)attributes, id));

    private static readonly TdispMessageType[] s_headerOnly = Enum.GetValues<TdispMessageType>().Where(TdispHeaderOnlyMessage.IsHeaderOnly).ToArray();

    /// <summary>Every TDISP request and response type.</summary>
    public static readonly Gen<TdispMessage> TdispMessages = Gen.Select(InterfaceId, TdispVersion).SelectMany((id, v) => FuzzGen.Any(
        FuzzGen.OneOf(s_headerOnly).Select(t => (TdispMessage)new TdispHeaderOnlyMessage(t, id, v)),
        FuzzGen.Bytes(0, 8).Select(vs => (TdispMessage)new TdispVersionResponse(id, vs, v)),
        FuzzGen.U32.Select(c => (TdispMessage)new TdispGetCapabilities(id, c, v)),
        Gen.Select(FuzzGen.U32, FuzzGen.Bytes(16), FuzzGen.U16, FuzzGen.U8, FuzzGen.U8, FuzzGen.U8, (caps, bitmap, flags, width, n1, n2) =>
            (TdispMessage)new TdispCapabilitiesResponse(id, caps, bitmap, (TdispLockFlags)flags, width, n1, n2, v)),
        Gen.Select(FuzzGen.U16, FuzzGen.U8, FuzzGen.U64, FuzzGen.U64, (flags, stream, offset, mask) =>
            (TdispMessage)new TdispLockInterfaceRequest(id, (TdispLockFlags)flags, stream, offset, mask, v)),
        Gen.Select(Gen.Bool, FuzzGen.Bytes(32), (start, nonce) =>
            (TdispMessage)new TdispNonceMessage(start ? TdispMessageType.StartInterfaceRequest : TdispMessageType.LockInterfaceResponse, id, nonce, v)),
        Gen.Select(FuzzGen.U16, FuzzGen.U16, (offset, length) => (TdispMessage)new TdispGetDeviceInterfaceReport(id, offset, length, v)),
        Gen.Select(FuzzGen.Bytes(0, 96), FuzzGen.U16, (portion, remainder) => (TdispMessage)new TdispDeviceInterfaceReportResponse(id, portion, remainder, v)),
        Gen.Byte[0, 3].Select(s => (TdispMessage)new TdispDeviceInterfaceStateResponse(id, (TdiState)s, v)),
        Gen.Select(Gen.Bool, FuzzGen.U8, (bind, stream) =>
            (TdispMessage)new TdispP2pStreamRequest(bind ? TdispMessageType.BindP2pStreamRequest : TdispMessageType.UnbindP2pStreamRequest, id, stream, v)),
        MmioRange.Select(r => (TdispMessage)new TdispSetMmioAttributeRequest(id, r, v)),
        Gen.Select(Gen.Bool, FuzzGen.U8, FuzzGen.Bytes(0, 8), FuzzGen.Bytes(0, 32), (request, registry, vendor, data) =>
            (TdispMessage)new TdispVdmMessage(request ? TdispMessageType.VdmRequest : TdispMessageType.VdmResponse, id, registry, vendor, data, v)),
        FuzzGen.U32.Select(c => (TdispMessage)new TdispSetTdispConfigRequest(id, c, v)),
        Gen.Select(FuzzGen.U32, FuzzGen.U32, FuzzGen.Bytes(0, 16), (code, data, ext) =>
            (TdispMessage)new TdispErrorResponse(id, (TdispErrorCode)code, data, (TdispErrorCode)code == TdispErrorCode.VendorSpecificError ? ext : [], v)),
        FuzzGen.Bytes(0, 16).Select(ext => (TdispMessage)new TdispErrorResponse(id, TdispErrorCode.VendorSpecificError, 0, ext, v))));

    /// <summary>TDISP interface reports: 0-6 MMIO ranges and 0-64 bytes of device-specific information.</summary>
    public static readonly Gen<TdispDeviceInterfaceReport> Reports =
        Gen.Select(FuzzGen.U16, FuzzGen.U16, FuzzGen.U16, FuzzGen.U32, MmioRange.Array[0, 6], FuzzGen.Bytes(0, 64), (info, msix, lnr, tph, ranges, specific) =>
            new TdispDeviceInterfaceReport((TdispInterfaceInfo)info, msix, lnr, tph, ranges, specific));

    public static readonly Gen<CodecSample> IdeKmSamples = IdeKmMessages.Select(m => new CodecSample(IdeKm, m.Encode()));

    public static readonly Gen<CodecSample> TdispSamples = TdispMessages.Select(m => new CodecSample(Tdisp, m.Encode()));

    public static readonly Gen<CodecSample> ReportSamples = Reports.Select(r => new CodecSample(Report, r.Encode()));
}
