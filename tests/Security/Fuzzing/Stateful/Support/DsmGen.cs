using CsCheck;
using SevTio.Firmware.Spdm;
using SevTio.Protocols.IdeKm;
using SevTio.Protocols.Spdm;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;
using SevTio.Security.Tests.Fuzzing.Codecs;
using SevTio.Security.Tests.Fuzzing.Harness;

namespace SevTio.Security.Tests.Fuzzing.Stateful.Support;

/// <summary>
/// Valid requests a DSM answers, tuned to the fuzz device so that many reach the firmware's deep paths: TDISP to its
/// TDI (LOCK with supported flags on the keyed default stream, report offsets inside the report, START with the real
/// nonce through <see cref="NonceMarker"/>), IDE_KM on its streams, SPDM requests of every kind with the suite's sizes,
/// plus any message of the protocol now and then (responses sent as requests, other interfaces).
/// </summary>
internal static class DsmGen
{
    /// <summary>Stands for the TDI's current START_INTERFACE_NONCE; the fuzz target replaces it before sending.</summary>
    public static readonly byte[] NonceMarker = Enumerable.Repeat((byte)0xA5, TdispNonceMessage.NonceSize).ToArray();

    /// <summary>DOE discovery requests (the index of the protocol asked about).</summary>
    public static readonly Gen<byte[]> Discovery = Gen.Frequency((4, (IGen<byte>)Gen.Byte[0, 3]), (1, Gen.Byte)).Select(i => new SevTio.Protocols.Doe.DoeDiscoveryRequest(i).Encode());

    /// <summary>Exchange data that are points on secp384r1 (a KEY_EXCHANGE carrying one really opens a session).</summary>
    private static readonly byte[][] s_points = Enumerable.Range(0, 8).Select(i =>
    {
        using var key = SpdmEcKeys.CreateExchangeKey(new Random(100 + i));
        return SpdmEcKeys.ExchangeData(key);
    }).ToArray();

    private static readonly Gen<TdispInterfaceId> s_tdi = Gen.Frequency((9, (IGen<TdispInterfaceId>)Gen.Const(FuzzDevice.Tdi)), (1, IdeKmTdispGen.InterfaceId));

    private static readonly Gen<byte> s_stream = Gen.Frequency((8, (IGen<byte>)Gen.Const(FuzzDevice.DefaultStream)), (1, Gen.Byte[0, FuzzDevice.MaxStreamId]), (1, Gen.Byte));

    private static readonly Gen<TdispLockFlags> s_lockFlags = Gen.Frequency(
        (6, (IGen<TdispLockFlags>)Gen.UInt[0, 31].Select(f => (TdispLockFlags)f & (TdispLockFlags.NoFirmwareUpdate | TdispLockFlags.CacheLineSize128 | TdispLockFlags.LockMsix | TdispLockFlags.AllRequestRedirect))),
        (1, Gen.UShort.Select(f => (TdispLockFlags)f)));

    public static readonly Gen<byte[]> Tdisp = s_tdi.SelectMany(id => FuzzGen.Any(
        FuzzGen.OneOf(TdispMessageType.GetTdispVersion, TdispMessageType.GetDeviceInterfaceState, TdispMessageType.GetDeviceInterfaceState, TdispMessageType.StopInterfaceRequest)
            .Select(t => new TdispHeaderOnlyMessage(t, id).Encode()),
        FuzzGen.U32.Select(c => new TdispGetCapabilities(id, c).Encode()),
        Gen.Select(s_lockFlags, s_stream, FuzzGen.U64, FuzzGen.U64, (f, s, o, m) => new TdispLockInterfaceRequest(id, f, s, o & 0xFFFF_F000, m).Encode()),
        Gen.Select(Gen.UShort[0, 400], Gen.Frequency((4, (IGen<ushort>)Gen.UShort[1, 1024]), (1, FuzzGen.U16)), (o, l) => new TdispGetDeviceInterfaceReport(id, o, l).Encode()),
        Gen.Frequency((3, (IGen<byte[]>)Gen.Const(NonceMarker)), (1, FuzzGen.Bytes(32))).Select(n => new TdispNonceMessage(TdispMessageType.StartInterfaceRequest, id, n).Encode()),
        IdeKmTdispGen.TdispMessages.Select(m => m.Encode())));

    private static readonly Gen<IdeKmKeyInfo> s_keyInfo = IdeKmTdispGen.KeyInfo;

    public static readonly Gen<byte[]> IdeKm = FuzzGen.Any(
        Gen.Frequency((4, (IGen<byte>)Gen.Const((byte)0)), (1, Gen.Byte)).Select(p => new IdeKmQuery(p).Encode()),
        Gen.Select(s_stream, s_keyInfo, Gen.Frequency((6, (IGen<byte>)Gen.Const((byte)0)), (1, Gen.Byte)), FuzzGen.Bytes(32), Gen.Frequency((3, (IGen<ulong>)Gen.Const(1ul)), (1, FuzzGen.U64)), (s, k, p, key, ifv) =>
            new IdeKmKeyProg(s, k, p, key, ifv).Encode()),
        Gen.Select(FuzzGen.OneOf(IdeKmObjectId.KSetGo, IdeKmObjectId.KSetGo, IdeKmObjectId.KSetStop), s_stream, s_keyInfo, Gen.Frequency((6, (IGen<byte>)Gen.Const((byte)0)), (1, Gen.Byte)), (id, s, k, p) =>
            new IdeKmKeySetMessage(id, s, k, p).Encode()),
        IdeKmTdispGen.IdeKmMessages.Select(m => m.Encode()));

    private static readonly Gen<byte[]> s_getMeasurements = Gen.Select(Gen.Bool, FuzzGen.OneOf<byte>(0, 1, 2, 3, 4, 5, 0xFF, 0x7F), FuzzGen.Bytes(32), Gen.Byte[0, 7], Gen.Bool, (signed, op, nonce, slot, raw) =>
        new SpdmGetMeasurements(
            (signed ? SpdmMeasurementRequestAttributes.GenerateSignature : 0) | (raw ? SpdmMeasurementRequestAttributes.RawBitStreamRequested : 0),
            op,
            signed ? nonce : null,
            signed && slot < 2 ? slot : (byte)0).Encode());

    /// <summary>SPDM requests inside an established session (requests the DSM answers there, and others it must refuse).</summary>
    public static readonly Gen<byte[]> SecuredSpdm = Gen.Frequency(
        (8, (IGen<byte[]>)s_getMeasurements),
        (8, Tdisp.Select(m => PciSigVendorDefined.EncodeRequest(PciProtocolId.Tdisp, m))),
        (8, IdeKm.Select(m => PciSigVendorDefined.EncodeRequest(PciProtocolId.IdeKm, m))),
        (3, Gen.Select(FuzzGen.U16, FuzzGen.Bytes(0, 4), FuzzGen.Bytes(0, 32), (std, vendor, payload) => new SpdmVendorDefinedMessage(true, std, vendor, payload).Encode())),
        (2, FuzzGen.OneOf(SpdmRequestResponseCode.Heartbeat, SpdmRequestResponseCode.KeyUpdate, SpdmRequestResponseCode.GetVersion, SpdmRequestResponseCode.GetDigests, SpdmRequestResponseCode.Finish, SpdmRequestResponseCode.RespondIfReady)
            .Select(c => new byte[] { SpdmVersion.V12, (byte)c, 0, 0 })),
        (1, Gen.Const(new SpdmEndSession().Encode())),
        (4, SpdmGen.Message.Select(s => s.Bytes)));

    private static readonly Gen<byte[]> s_keyExchange =
        Gen.Select(FuzzGen.OneOf<byte>(0, 1, 0xFF, 2), Gen.UShort, FuzzGen.Bytes(32), Gen.Frequency((1, (IGen<byte[]>)FuzzGen.OneOf(s_points)), (2, FuzzGen.Bytes(96))), SpdmGen.OpaqueData, (hash, session, random, exchange, opaque) =>
            new SpdmKeyExchange(hash, 0, session, 0, random, exchange, opaque).Encode());

    /// <summary>Plain SPDM requests (DOE type 1): the connection's requests with the values the requester sends, and others.</summary>
    public static readonly Gen<byte[]> PlainSpdm = Gen.Frequency(
        (3, (IGen<byte[]>)Gen.Frequency((4, (IGen<byte>)Gen.Const(SpdmVersion.V10)), (1, Gen.Byte)).Select(v => new SpdmGetVersion(v).Encode())),
        (3, Gen.Select(Gen.Byte[0, 31], FuzzGen.U32, Gen.UInt[42, 8192], Gen.UInt[0, 65536], (ct, flags, dts, extra) =>
            new SpdmGetCapabilities(new SpdmCapabilitiesFields(ct, (SpdmCapabilityFlags)flags, dts, dts + extra)).Encode())),
        (3, Gen.Select(FuzzGen.U32, FuzzGen.U32, Gen.Bool, (asym, hash, suite) => new SpdmNegotiateAlgorithms(
            SpdmMeasurementSpecification.Dmtf,
            SpdmOpaqueDataFormats.Format1,
            suite ? SpdmBaseAsymAlgorithms.EcdsaP384 : (SpdmBaseAsymAlgorithms)asym,
            suite ? SpdmBaseHashAlgorithms.Sha384 : (SpdmBaseHashAlgorithms)hash,
            [
                new SpdmAlgStruct(SpdmAlgStructType.Dhe, (ushort)SpdmDheGroups.Secp384r1),
                new SpdmAlgStruct(SpdmAlgStructType.Aead, (ushort)SpdmAeadCipherSuites.Aes256Gcm),
                new SpdmAlgStruct(SpdmAlgStructType.ReqBaseAsymAlg, (ushort)SpdmBaseAsymAlgorithms.EcdsaP384),
                new SpdmAlgStruct(SpdmAlgStructType.KeySchedule, (ushort)SpdmKeySchedules.Spdm),
            ]).Encode())),
        (2, Gen.Const(new SpdmGetDigests().Encode())),
        (3, Gen.Select(Gen.Byte[0, 7], Gen.UShort[0, 2048], Gen.UShort[0, 2048], (slot, offset, length) => new SpdmGetCertificate(slot < 4 ? (byte)0 : slot, offset, length).Encode())),
        (3, s_getMeasurements),
        (3, s_keyExchange),
        (1, Gen.Const(new SpdmFinish(null, 0, new byte[48]).Encode())),
        (1, Gen.Const(new SpdmEndSession().Encode())),
        (2, IdeKm.Select(m => PciSigVendorDefined.EncodeRequest(PciProtocolId.IdeKm, m))),
        (4, SpdmGen.Message.Select(s => s.Bytes)));

    /// <summary>FINISH requests for a session in handshake: a right-sized message with random verify data (or a signature).</summary>
    public static readonly Gen<byte[]> Finish = Gen.Select(Gen.Bool, FuzzGen.Bytes(96 + 48), Gen.Byte, (signed, bytes, slot) =>
        new SpdmFinish(signed ? bytes[..96] : null, slot, bytes[96..]).Encode());
}
