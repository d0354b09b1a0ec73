using SevTio.Protocols.Doe;
using SevTio.Protocols.IdeKm;
using SevTio.Protocols.Spdm;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;

namespace SevTio.Protocols.Tests;

/// <summary>A sample of every message of every codec, with non-zero values in every field that has one.</summary>
public static class CodecCases
{
    private static readonly SpdmFieldSizes s_sizes = SpdmFieldSizes.Sha384EcdsaP384Secp384r1;
    private static readonly TdispInterfaceId s_tdi = TdispInterfaceId.Create(0x0108, 0x02);

    public static IEnumerable<CodecCase> All()
    {
        foreach (var c in Doe())
        {
            yield return c;
        }

        foreach (var c in Spdm())
        {
            yield return c;
        }

        foreach (var c in IdeKm())
        {
            yield return c;
        }

        foreach (var c in Tdisp())
        {
            yield return c;
        }
    }

    public static IEnumerable<object[]> AllData() => All().Select(c => new object[] { c });

    private static byte[] Fill(int length, byte seed)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(seed + (i * 7));
        }

        return bytes;
    }

    private static IEnumerable<CodecCase> Doe()
    {
        yield return new("DOE.DataObject", DoeDataObject.Encode(DoeDataObjectType.Spdm, Fill(12, 1)), b =>
        {
            var h = DoeDataObject.Decode(b, out var payload);
            return DoeDataObject.Encode(h.DataObjectType, payload);
        });
        yield return new("DOE.DISCOVERY_REQUEST", new DoeDiscoveryRequest(2).Encode(), b => DoeDiscoveryRequest.Decode(b).Encode());
        yield return new("DOE.DISCOVERY_RESPONSE", new DoeDiscoveryResponse(1, DoeDataObjectType.SecuredSpdm, 0).Encode(), b => DoeDiscoveryResponse.Decode(b).Encode());
    }

    private static IEnumerable<CodecCase> Spdm()
    {
        var caps = new SpdmCapabilitiesFields(12, SpdmCapabilityFlags.CertCap | SpdmCapabilityFlags.KeyExCap, 4096, 8192);
        SpdmAlgStruct[] requestStructs =
        [
            new(SpdmAlgStructType.Dhe, (ushort)SpdmDheGroups.Secp384r1),
            new(SpdmAlgStructType.Aead, (ushort)SpdmAeadCipherSuites.Aes256Gcm, [0x00010003]),
            new(SpdmAlgStructType.ReqBaseAsymAlg, (ushort)SpdmBaseAsymAlgorithms.EcdsaP384),
            new(SpdmAlgStructType.KeySchedule, (ushort)SpdmKeySchedules.Spdm),
        ];

        yield return new("SPDM.GET_VERSION", new SpdmGetVersion().Encode(), b => SpdmGetVersion.Decode(b).Encode());
        yield return new("SPDM.VERSION", new SpdmVersionResponse([0x1000, 0x1100, 0x1200]).Encode(), b => SpdmVersionResponse.Decode(b).Encode());
        yield return new("SPDM.GET_CAPABILITIES", new SpdmGetCapabilities(caps).Encode(), b => SpdmGetCapabilities.Decode(b).Encode());
        yield return new("SPDM.GET_CAPABILITIES 1.1", new SpdmGetCapabilities(caps with { DataTransferSize = 0, MaxSpdmMessageSize = 0 }, SpdmVersion.V11).Encode(), b => SpdmGetCapabilities.Decode(b).Encode());
        yield return new("SPDM.CAPABILITIES", new SpdmCapabilities(caps).Encode(), b => SpdmCapabilities.Decode(b).Encode());
        yield return new("SPDM.NEGOTIATE_ALGORITHMS", new SpdmNegotiateAlgorithms(
            SpdmMeasurementSpecification.Dmtf, SpdmOpaqueDataFormats.Format1, SpdmBaseAsymAlgorithms.EcdsaP384 | SpdmBaseAsymAlgorithms.EcdsaP256,
            SpdmBaseHashAlgorithms.Sha384, requestStructs, [0x00020001], [0x00030002]).Encode(), b => SpdmNegotiateAlgorithms.Decode(b).Encode());
        yield return new("SPDM.ALGORITHMS", new SpdmAlgorithms(
            SpdmMeasurementSpecification.Dmtf, SpdmOpaqueDataFormats.Format1, SpdmMeasurementHashAlgorithms.Sha384,
            SpdmBaseAsymAlgorithms.EcdsaP384, SpdmBaseHashAlgorithms.Sha384, requestStructs[..2]).Encode(), b => SpdmAlgorithms.Decode(b).Encode());
        yield return new("SPDM.GET_DIGESTS", new SpdmGetDigests().Encode(), b => SpdmGetDigests.Decode(b).Encode());
        yield return new("SPDM.DIGESTS", new SpdmDigests(0x05, [Fill(48, 1), Fill(48, 2)]).Encode(), b => SpdmDigests.Decode(b, 48).Encode());
        yield return new("SPDM.GET_CERTIFICATE", new SpdmGetCertificate(3, 0x400, 0x200).Encode(), b => SpdmGetCertificate.Decode(b).Encode());
        yield return new("SPDM.CERTIFICATE", new SpdmCertificate(3, Fill(37, 3), 0x123).Encode(), b => SpdmCertificate.Decode(b).Encode());
        yield return new("SPDM.GET_MEASUREMENTS signed", new SpdmGetMeasurements(
            SpdmMeasurementRequestAttributes.GenerateSignature | SpdmMeasurementRequestAttributes.RawBitStreamRequested, 0xFF, Fill(32, 4), 2).Encode(),
            b => SpdmGetMeasurements.Decode(b).Encode());
        yield return new("SPDM.GET_MEASUREMENTS unsigned", new SpdmGetMeasurements(SpdmMeasurementRequestAttributes.None, 0, null, 0).Encode(), b => SpdmGetMeasurements.Decode(b).Encode());
        yield return new("SPDM.MEASUREMENTS", new SpdmMeasurements(
            0, 0x12, [new SpdmMeasurementBlock(1, 0, Fill(48, 5)), new SpdmMeasurementBlock(2, 0x81, Fill(9, 6))], Fill(32, 7), Fill(5, 8), Fill(96, 9)).Encode(),
            b => SpdmMeasurements.Decode(b, 96).Encode());
        yield return new("SPDM.KEY_EXCHANGE", new SpdmKeyExchange(0xFF, 0, 0xBEEF, 1, Fill(32, 10), Fill(96, 11), Fill(16, 12)).Encode(), b => SpdmKeyExchange.Decode(b, 96).Encode());
        yield return new("SPDM.KEY_EXCHANGE_RSP", new SpdmKeyExchangeResponse(
            3, 0xCAFE, 0, 0, Fill(32, 13), Fill(96, 14), Fill(48, 15), Fill(12, 16), Fill(96, 17), Fill(48, 18)).Encode(),
            b => SpdmKeyExchangeResponse.Decode(b, s_sizes, measurementSummaryHashPresent: true, responderVerifyDataPresent: true).Encode());
        yield return new("SPDM.FINISH", new SpdmFinish(null, 0, Fill(48, 19)).Encode(), b => SpdmFinish.Decode(b, s_sizes).Encode());
        yield return new("SPDM.FINISH signed", new SpdmFinish(Fill(96, 20), 1, Fill(48, 21)).Encode(), b => SpdmFinish.Decode(b, s_sizes).Encode());
        yield return new("SPDM.FINISH_RSP", new SpdmFinishResponse(Fill(48, 22)).Encode(), b => SpdmFinishResponse.Decode(b, 48).Encode());
        yield return new("SPDM.END_SESSION", new SpdmEndSession(true).Encode(), b => SpdmEndSession.Decode(b).Encode());
        yield return new("SPDM.END_SESSION_ACK", new SpdmEndSessionAck().Encode(), b => SpdmEndSessionAck.Decode(b).Encode());
        yield return new("SPDM.VENDOR_DEFINED_REQUEST", PciSigVendorDefined.EncodeRequest(PciProtocolId.Tdisp, Fill(20, 23)), b => SpdmVendorDefinedMessage.DecodeRequest(b).Encode());
        yield return new("SPDM.VENDOR_DEFINED_RESPONSE", PciSigVendorDefined.EncodeResponse(PciProtocolId.IdeKm, Fill(7, 24)), b => SpdmVendorDefinedMessage.DecodeResponse(b).Encode());
        yield return new("SPDM.ERROR", new SpdmErrorResponse(SpdmErrorCode.InvalidRequest, 0).Encode(), b => SpdmErrorResponse.Decode(b).Encode());
        yield return new("SPDM.ERROR ResponseNotReady", new SpdmErrorResponse(SpdmErrorCode.ResponseNotReady, 0, [1, 2, 3, 4]).Encode(), b => SpdmErrorResponse.Decode(b).Encode());
        yield return new("SPDM.CertChain", new SpdmCertificateChain(Fill(48, 25), [Der(300, 1), Der(100, 2), Der(5, 3)]).Encode(), b => SpdmCertificateChain.Decode(b, 48).Encode());
        yield return new("SPDM.OpaqueData supported", SecuredMessageOpaqueData.EncodeSupportedVersions([0x1000, 0x1100]), b => SecuredMessageOpaqueData.EncodeSupportedVersions(SecuredMessageOpaqueData.DecodeSupportedVersions(b)));
        yield return new("SPDM.OpaqueData selection", SecuredMessageOpaqueData.EncodeVersionSelection(0x1000), b => SecuredMessageOpaqueData.EncodeVersionSelection(SecuredMessageOpaqueData.DecodeVersionSelection(b)));
        yield return new("SPDM.SecuredMessage", SecuredRecord(), b =>
        {
            var r = SecuredMessageRecord.Decode(b, allowDoePadding: false);
            var bytes = new byte[r.Length];
            SecuredMessageRecord.WriteHeader(bytes, r.SessionId, r.CipherText.Length);
            r.CipherText.CopyTo(bytes.AsSpan(SecuredMessageRecord.HeaderSize));
            r.Mac.CopyTo(bytes.AsSpan(SecuredMessageRecord.HeaderSize + r.CipherText.Length));
            return bytes;
        });
    }

    private static byte[] SecuredRecord()
    {
        var record = new byte[6 + 20 + 16];
        SecuredMessageRecord.WriteHeader(record, 0xBEEF_CAFE, 20);
        Fill(36, 26).CopyTo(record, 6);
        return record;
    }

    /// <summary>A DER SEQUENCE of <paramref name="contentLength"/> bytes (long form when 128 or more).</summary>
    internal static byte[] Der(int contentLength, byte seed)
    {
        byte[] header = contentLength < 0x80 ? [0x30, (byte)contentLength] : [0x30, 0x82, (byte)(contentLength >> 8), (byte)contentLength];
        return [.. header, .. Fill(contentLength, seed)];
    }

    private static IEnumerable<CodecCase> IdeKm()
    {
        var info = new IdeKmKeyInfo(1, IdeKmDirection.Transmit, IdeKmSubStream.Completion);

        // IDE capability copy: Cap = Selective supported, 2 streams (bits 23:16 = 1); Ctl; then 2 Selective blocks
        // with 1 and 0 address blocks: 4 + 4 + (20 + 12) + 20 bytes.
        var cap = new byte[60];
        cap[0] = 0x02;
        cap[2] = 0x01;
        cap[8] = 0x01;
        yield return new("IDE_KM.QUERY", new IdeKmQuery(1).Encode(), b => IdeKmQuery.Decode(b).Encode());
        yield return new("IDE_KM.QUERY_RESP", new IdeKmQueryResponse(0, 0x08, 0x3A, 0x01, 0, cap).Encode(), b => IdeKmQueryResponse.Decode(b).Encode());
        yield return new("IDE_KM.KEY_PROG", new IdeKmKeyProg(7, info, 0, Fill(32, 27), 0x0000_0001_0000_0001).Encode(), b => IdeKmKeyProg.Decode(b).Encode());
        yield return new("IDE_KM.KP_ACK", new IdeKmKpAck(7, IdeKmKpAckStatus.UnsupportedValue, info, 0).Encode(), b => IdeKmKpAck.Decode(b).Encode());
        yield return new("IDE_KM.K_SET_GO", new IdeKmKeySetMessage(IdeKmObjectId.KSetGo, 7, info, 0).Encode(), b => IdeKmKeySetMessage.Decode(b).Encode());
        yield return new("IDE_KM.K_SET_STOP", new IdeKmKeySetMessage(IdeKmObjectId.KSetStop, 7, info, 0).Encode(), b => IdeKmKeySetMessage.Decode(b).Encode());
        yield return new("IDE_KM.K_GOSTOP_ACK", new IdeKmKeySetMessage(IdeKmObjectId.KGoStopAck, 7, info, 0).Encode(), b => IdeKmKeySetMessage.Decode(b).Encode());
    }

    private static IEnumerable<CodecCase> Tdisp()
    {
        var report = new TdispDeviceInterfaceReport(
            TdispInterfaceInfo.NoFwUpdate | TdispInterfaceInfo.DmaWithoutPasid,
            0x8003,
            0,
            0x12345678,
            [new TdispMmioRange(0xF000_0000, 16, TdispMmioRangeAttributes.None, 0), new TdispMmioRange(0xF001_0000, 1, TdispMmioRangeAttributes.MsixTable, 0)],
            "dev"u8.ToArray());
        yield return new("TDISP.DEVICE_INTERFACE_REPORT structure", report.Encode(), b => TdispDeviceInterfaceReport.Decode(b).Encode());

        TdispMessage[] messages =
        [
            new TdispHeaderOnlyMessage(TdispMessageType.GetTdispVersion, s_tdi),
            new TdispVersionResponse(s_tdi, [0x10]),
            new TdispGetCapabilities(s_tdi, 0x1),
            new TdispCapabilitiesResponse(s_tdi, 0, TdispCapabilitiesResponse.RequestBitmap(TdispMessageType.GetTdispVersion, TdispMessageType.StopInterfaceRequest), TdispLockFlags.LockMsix, 52, 1, 2),
            new TdispLockInterfaceRequest(s_tdi, TdispLockFlags.LockMsix | TdispLockFlags.NoFirmwareUpdate, 3, 0xFFFF_FFFF_0000_0000, 0x1234),
            new TdispNonceMessage(TdispMessageType.LockInterfaceResponse, s_tdi, Fill(32, 28)),
            new TdispGetDeviceInterfaceReport(s_tdi, 0x40, 0x100),
            new TdispDeviceInterfaceReportResponse(s_tdi, Fill(40, 29), 0x22),
            new TdispHeaderOnlyMessage(TdispMessageType.GetDeviceInterfaceState, s_tdi),
            new TdispDeviceInterfaceStateResponse(s_tdi, TdiState.Run),
            new TdispNonceMessage(TdispMessageType.StartInterfaceRequest, s_tdi, Fill(32, 30)),
            new TdispHeaderOnlyMessage(TdispMessageType.StartInterfaceResponse, s_tdi),
            new TdispHeaderOnlyMessage(TdispMessageType.StopInterfaceRequest, s_tdi),
            new TdispHeaderOnlyMessage(TdispMessageType.StopInterfaceResponse, s_tdi),
            new TdispP2pStreamRequest(TdispMessageType.BindP2pStreamRequest, s_tdi, 5),
            new TdispHeaderOnlyMessage(TdispMessageType.BindP2pStreamResponse, s_tdi),
            new TdispP2pStreamRequest(TdispMessageType.UnbindP2pStreamRequest, s_tdi, 5),
            new TdispHeaderOnlyMessage(TdispMessageType.UnbindP2pStreamResponse, s_tdi),
            new TdispSetMmioAttributeRequest(s_tdi, new TdispMmioRange(0x1000, 2, TdispMmioRangeAttributes.IsNonTeeMem, 4)),
            new TdispHeaderOnlyMessage(TdispMessageType.SetMmioAttributeResponse, s_tdi),
            new TdispSetTdispConfigRequest(s_tdi, 3),
            new TdispHeaderOnlyMessage(TdispMessageType.SetTdispConfigResponse, s_tdi),
            new TdispErrorResponse(s_tdi, TdispErrorCode.UnsupportedRequest, 0x88),
        ];
        foreach (var m in messages)
        {
            yield return new(TdispMessage.NameOf(m.MessageType), m.Encode(), b => TdispMessage.Decode(b).Encode());
        }
    }

    /// <summary>
    /// Messages whose last field runs to the end of the message, so a shorter message is another valid one; they are
    /// tested for round trips but not for truncation.
    /// </summary>
    public static IEnumerable<object[]> OpenEndedData()
    {
        var id = s_tdi;
        yield return [new CodecCase("TDISP.VDM_REQUEST", new TdispVdmMessage(TdispMessageType.VdmRequest, id, 0, [0x01, 0x00], Fill(6, 31)).Encode(), b => TdispMessage.Decode(b).Encode())];
        yield return [new CodecCase("TDISP.VDM_RESPONSE", new TdispVdmMessage(TdispMessageType.VdmResponse, id, 1, [], Fill(3, 32)).Encode(), b => TdispMessage.Decode(b).Encode())];
        yield return [new CodecCase("TDISP.TDISP_ERROR vendor", new TdispErrorResponse(id, TdispErrorCode.VendorSpecificError, 4, [0, 0, 1, 2]).Encode(), b => TdispMessage.Decode(b).Encode())];
        yield return [new CodecCase("SPDM.ERROR vendor", new SpdmErrorResponse(SpdmErrorCode.VendorDefined, 0, [3, 0, 1]).Encode(), b => SpdmErrorResponse.Decode(b).Encode())];
    }
}
