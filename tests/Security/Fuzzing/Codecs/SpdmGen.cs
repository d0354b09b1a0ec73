using System.Numerics;
using CsCheck;
using SevTio.Protocols.Spdm;
using SevTio.Protocols.Wire;
using SevTio.Security.Tests.Fuzzing.Harness;

namespace SevTio.Security.Tests.Fuzzing.Codecs;

/// <summary>
/// Valid SPDM 1.2 messages (DSP0274) of every type the model speaks, with random field values, as codec samples: each
/// carries the decoder that reads it (with the negotiated sizes it was made for), so a mutated copy goes through the
/// same decoder. Also DOE-padded forms (libspdm's PCI DOE transport), certificate chains and DSP0277 opaque data.
/// </summary>
internal static class SpdmGen
{
    private static readonly SpdmFieldSizes s_sizes = SpdmFieldSizes.Sha384EcdsaP384Secp384r1;

    public static readonly Gen<byte> Version = Gen.Frequency((6, (IGen<byte>)Gen.Const(SpdmVersion.V12)), (1, Gen.OneOf(SpdmVersion.V10, SpdmVersion.V11)), (1, Gen.Byte));

    private static readonly Gen<SpdmCapabilitiesFields> s_capabilities =
        Gen.Select(FuzzGen.U8, FuzzGen.U32, FuzzGen.U32, FuzzGen.U32, (ct, flags, dts, max) => new SpdmCapabilitiesFields(ct, (SpdmCapabilityFlags)flags, dts, max));

    /// <summary>Algorithm structures of distinct types 2-5 in any order, each with 0-2 external algorithms.</summary>
    private static readonly Gen<SpdmAlgStruct[]> s_algStructs =
        Gen.Select(Gen.Int[0, 15], Gen.Int[0, 3], FuzzGen.U16.Array[4], Gen.Int[0, 2].Array[4], FuzzGen.U32.Array[2])
        .Select((mask, rotate, supported, externals, values) =>
        {
            var types = Enumerable.Range(2, 4).Where(t => (mask & (1 << (t - 2))) != 0).ToList();
            var rotated = types.Skip(rotate % Math.Max(1, types.Count)).Concat(types.Take(rotate % Math.Max(1, types.Count))).ToList();
            return rotated.Select((t, i) => new SpdmAlgStruct((SpdmAlgStructType)t, supported[i], values.Take(externals[i]).ToArray())).ToArray();
        });

    private static readonly Gen<SpdmMeasurementBlock> s_block =
        Gen.Select(Gen.Byte[1, 255], FuzzGen.U8, FuzzGen.Bytes(0, 64), (index, type, value) => new SpdmMeasurementBlock(index, type, value));

    private static readonly Gen<SpdmErrorResponse> s_error =
        Gen.Select(FuzzGen.OneOf(Enum.GetValues<SpdmErrorCode>()), FuzzGen.U8, FuzzGen.Bytes(0, 32), Version)
        .Select((code, data, ext, v) => new SpdmErrorResponse(
            code,
            data,
            code switch
            {
                SpdmErrorCode.ResponseNotReady => ext.Length >= 4 ? ext[..4] : [1, 2, 3, 4],
                SpdmErrorCode.LargeResponse => [ext.Length > 0 ? ext[0] : (byte)0],
                SpdmErrorCode.VendorDefined => ext,
                _ => [],
            },
            v));

    /// <summary>DSP0277 opaque data offered in KEY_EXCHANGE (or selected in the response), or arbitrary bytes.</summary>
    public static readonly Gen<byte[]> OpaqueData = FuzzGen.Any(
        FuzzGen.U16.Array[1, 4].Select(v => SecuredMessageOpaqueData.EncodeSupportedVersions(v)),
        FuzzGen.U16.Select(SecuredMessageOpaqueData.EncodeVersionSelection));

    private static readonly Gen<byte[]> s_opaqueDataOrJunk = Gen.Frequency((3, (IGen<byte[]>)OpaqueData), (1, FuzzGen.Bytes(0, 24)));

    /// <summary>Every SPDM message codec, exactly as decoded (no DOE padding).</summary>
    public static readonly Gen<CodecSample> Message = FuzzGen.Any(
        Version.Select(v => Sample(Codecs.GetVersion, new SpdmGetVersion(v))),
        Gen.Select(FuzzGen.U16.Array[0, 8], Version, (e, v) => Sample(Codecs.VersionResponse, new SpdmVersionResponse(e, v))),
        Gen.Select(s_capabilities, Version, (f, v) => Sample(Codecs.GetCapabilities, new SpdmGetCapabilities(f, v))),
        Gen.Select(s_capabilities, Version, (f, v) => Sample(Codecs.Capabilities, new SpdmCapabilities(f, v))),
        Gen.Select(FuzzGen.U8, FuzzGen.U8, FuzzGen.U32, FuzzGen.U32, s_algStructs, FuzzGen.U32.Array[0, 3], FuzzGen.U32.Array[0, 3], Version)
            .Select((spec, other, asym, hash, structs, extAsym, extHash, v) => Sample(Codecs.NegotiateAlgorithms, new SpdmNegotiateAlgorithms(
                (SpdmMeasurementSpecification)spec, (SpdmOpaqueDataFormats)other, (SpdmBaseAsymAlgorithms)asym, (SpdmBaseHashAlgorithms)hash, structs, extAsym, extHash, v))),
        Gen.Select(FuzzGen.U8, FuzzGen.U8, FuzzGen.U32, FuzzGen.U32, FuzzGen.U32, s_algStructs, FuzzGen.U32.Array[0, 3], Version)
            .Select((spec, other, measHash, asym, hash, structs, extAsym, v) => Sample(Codecs.Algorithms, new SpdmAlgorithms(
                (SpdmMeasurementSpecification)spec, (SpdmOpaqueDataFormats)other, (SpdmMeasurementHashAlgorithms)measHash, (SpdmBaseAsymAlgorithms)asym, (SpdmBaseHashAlgorithms)hash, structs, extAsym, extAsym.Reverse().ToArray(), v))),
        Version.Select(v => Sample(Codecs.GetDigests, new SpdmGetDigests(v))),
        Gen.Select(FuzzGen.U8, FuzzGen.Bytes(8 * 48), Version, (mask, hashes, v) =>
            Sample(Codecs.Digests, new SpdmDigests(mask, Enumerable.Range(0, BitOperations.PopCount(mask)).Select(i => hashes.AsSpan(48 * i, 48).ToArray()).ToArray(), v))),
        Gen.Select(Gen.Byte[0, 7], FuzzGen.U16, FuzzGen.U16, Version, (slot, offset, length, v) => Sample(Codecs.GetCertificate, new SpdmGetCertificate(slot, offset, length, v))),
        Gen.Select(Gen.Byte[0, 7], FuzzGen.Bytes(0, 64), FuzzGen.U16, Version, (slot, portion, remainder, v) => Sample(Codecs.Certificate, new SpdmCertificate(slot, portion, remainder, v))),
        Gen.Select(Gen.Byte[0, 3], FuzzGen.U8, FuzzGen.Bytes(32), Gen.Byte[0, 7], Version, (attributes, operation, nonce, slot, v) =>
        {
            var signed = (attributes & 1) != 0;
            return Sample(Codecs.GetMeasurements, new SpdmGetMeasurements((SpdmMeasurementRequestAttributes)attributes, operation, signed ? nonce : null, signed ? slot : (byte)0, v));
        }),
        Gen.Select(FuzzGen.U8, FuzzGen.U8, s_block.Array[0, 3], FuzzGen.Bytes(32), FuzzGen.Bytes(0, 16), Gen.Bool, FuzzGen.Bytes(96), Version)
            .Select((param1, slot, blocks, nonce, opaque, signed, signature, v) =>
                Sample(signed ? Codecs.MeasurementsSigned : Codecs.MeasurementsUnsigned, new SpdmMeasurements(param1, slot, blocks, nonce, opaque, signed ? signature : null, v))),
        Gen.Select(FuzzGen.U8, FuzzGen.U8, FuzzGen.U16, FuzzGen.U8, FuzzGen.Bytes(32), FuzzGen.Bytes(96), s_opaqueDataOrJunk, Version)
            .Select((hashType, slot, session, policy, random, exchange, opaque, v) =>
                Sample(Codecs.KeyExchange, new SpdmKeyExchange(hashType, slot, session, policy, random, exchange, opaque, v))),
        Gen.Select(FuzzGen.U8, FuzzGen.U16, FuzzGen.U8, FuzzGen.U8, FuzzGen.Bytes(32 + 96 + 48 + 96 + 48), Gen.Int[0, 3], s_opaqueDataOrJunk, Version)
            .Select((heartbeat, session, mutAuth, slot, bytes, presence, opaque, v) =>
            {
                var summary = (presence & 1) != 0;
                var verify = (presence & 2) != 0;
                return Sample(Codecs.KeyExchangeResponse[presence], new SpdmKeyExchangeResponse(
                    heartbeat, session, mutAuth, slot, bytes[..32], bytes[32..128], summary ? bytes[128..176] : [], opaque, bytes[176..272], verify ? bytes[272..320] : [], v));
            }),
        Gen.Select(Gen.Bool, FuzzGen.U8, FuzzGen.Bytes(96 + 48), Version, (signed, slot, bytes, v) =>
            Sample(Codecs.Finish, new SpdmFinish(signed ? bytes[..96] : null, slot, bytes[96..], v))),
        Gen.Select(Gen.Bool, FuzzGen.Bytes(48), Version, (verify, data, v) => Sample(verify ? Codecs.FinishResponse48 : Codecs.FinishResponse0, new SpdmFinishResponse(verify ? data : [], v))),
        Gen.Select(Gen.Bool, Version, (clear, v) => Sample(Codecs.EndSession, new SpdmEndSession(clear, v))),
        Version.Select(v => Sample(Codecs.EndSessionAck, new SpdmEndSessionAck(v))),
        Gen.Select(Gen.Bool, FuzzGen.U16, FuzzGen.Bytes(0, 4), FuzzGen.Bytes(0, 64), Version, (request, standard, vendor, payload, v) =>
            Sample(request ? Codecs.VendorRequest : Codecs.VendorResponse, new SpdmVendorDefinedMessage(request, standard, vendor, payload, v))),
        Gen.Select(Gen.Bool, Gen.Bool, FuzzGen.Bytes(0, 64), (request, tdisp, payload) =>
            Sample(request ? Codecs.VendorRequest : Codecs.VendorResponse, PciSigVendorDefined.Wrap(request, tdisp ? PciProtocolId.Tdisp : PciProtocolId.IdeKm, payload))),
        s_error.Select(e => Sample(Codecs.Error, e)));

    /// <summary>The same messages in DOE framing: 0-3 padding bytes to the DW boundary, read with <see cref="SpdmMessage.DecodePadded"/>.</summary>
    public static readonly Gen<CodecSample> PaddedMessage = Message.Select(s =>
    {
        var padded = new byte[(s.Bytes.Length + 3) & ~3];
        s.Bytes.CopyTo(padded, 0);
        return new CodecSample(Codecs.Padded(s.Codec), padded);
    });

    /// <summary>DER SEQUENCEs standing in for certificates (the chain codec splits by their outer lengths only).</summary>
    private static readonly Gen<byte[]> s_der = Gen.Select(Gen.Int[0, 300], FuzzGen.Bytes(300), byte[] (length, content) =>
    {
        byte[] header = length < 0x80 ? [0x30, (byte)length] : [0x30, 0x82, (byte)(length >> 8), (byte)length];
        return [.. header, .. content.AsSpan(0, length)];
    });

    /// <summary>Certificate chains in SPDM format and both kinds of secured-message opaque data.</summary>
    public static readonly Gen<CodecSample> Structure = FuzzGen.Any(
        Gen.Select(FuzzGen.Bytes(48), s_der.Array[1, 3], (root, certs) => new CodecSample(Codecs.CertificateChain, new SpdmCertificateChain(root, certs).Encode())),
        FuzzGen.U16.Array[1, 8].Select(v => new CodecSample(Codecs.SupportedVersions, SecuredMessageOpaqueData.EncodeSupportedVersions(v))),
        FuzzGen.U16.Select(v => new CodecSample(Codecs.VersionSelection, SecuredMessageOpaqueData.EncodeVersionSelection(v))));

    private static CodecSample Sample(Codec codec, SpdmMessage message) => new(codec, message.Encode());

    /// <summary>
    /// One codec per message type and per set of negotiated sizes its decoder takes, each with its DOE-padded twin
    /// (<see cref="SpdmMessage.DecodePadded"/> over the same reader, re-encoded and padded to a DW again).
    /// </summary>
    private static class Codecs
    {
        private static readonly Dictionary<Codec, Codec> s_padded = [];

        public static readonly Codec GetVersion = Message(SpdmGetVersion.Name, b => SpdmGetVersion.Decode(b), SpdmGetVersion.Read);
        public static readonly Codec VersionResponse = Message(SpdmVersionResponse.Name, b => SpdmVersionResponse.Decode(b), SpdmVersionResponse.Read);
        public static readonly Codec GetCapabilities = Message(SpdmGetCapabilities.Name, b => SpdmGetCapabilities.Decode(b), SpdmGetCapabilities.Read);
        public static readonly Codec Capabilities = Message(SpdmCapabilities.Name, b => SpdmCapabilities.Decode(b), SpdmCapabilities.Read);
        public static readonly Codec NegotiateAlgorithms = Message(SpdmNegotiateAlgorithms.Name, b => SpdmNegotiateAlgorithms.Decode(b), SpdmNegotiateAlgorithms.Read);
        public static readonly Codec Algorithms = Message(SpdmAlgorithms.Name, b => SpdmAlgorithms.Decode(b), SpdmAlgorithms.Read);
        public static readonly Codec GetDigests = Message(SpdmGetDigests.Name, b => SpdmGetDigests.Decode(b), SpdmGetDigests.Read);
        public static readonly Codec Digests = Message(SpdmDigests.Name, b => SpdmDigests.Decode(b, 48), (ref WireReader r) => SpdmDigests.Read(ref r, 48));
        public static readonly Codec GetCertificate = Message(SpdmGetCertificate.Name, b => SpdmGetCertificate.Decode(b), SpdmGetCertificate.Read);
        public static readonly Codec Certificate = Message(SpdmCertificate.Name, b => SpdmCertificate.Decode(b), SpdmCertificate.Read);
        public static readonly Codec GetMeasurements = Message(SpdmGetMeasurements.Name, b => SpdmGetMeasurements.Decode(b), SpdmGetMeasurements.Read);
        public static readonly Codec MeasurementsSigned = Message(SpdmMeasurements.Name + " signed", b => SpdmMeasurements.Decode(b, 96), (ref WireReader r) => SpdmMeasurements.Read(ref r, 96));
        public static readonly Codec MeasurementsUnsigned = Message(SpdmMeasurements.Name + " unsigned", b => SpdmMeasurements.Decode(b, 0), (ref WireReader r) => SpdmMeasurements.Read(ref r, 0));
        public static readonly Codec KeyExchange = Message(SpdmKeyExchange.Name, b => SpdmKeyExchange.Decode(b, 96), (ref WireReader r) => SpdmKeyExchange.Read(ref r, 96));

        /// <summary>Indexed by presence: bit 0 MeasurementSummaryHash, bit 1 ResponderVerifyData.</summary>
        public static readonly Codec[] KeyExchangeResponse = Enumerable.Range(0, 4).Select(p => Message(
            $"{SpdmKeyExchangeResponse.Name} (summary {(p & 1) != 0}, verify {(p & 2) != 0})",
            b => SpdmKeyExchangeResponse.Decode(b, s_sizes, (p & 1) != 0, (p & 2) != 0),
            (ref WireReader r) => SpdmKeyExchangeResponse.Read(ref r, s_sizes, (p & 1) != 0, (p & 2) != 0))).ToArray();

        public static readonly Codec Finish = Message(SpdmFinish.Name, b => SpdmFinish.Decode(b, s_sizes), (ref WireReader r) => SpdmFinish.Read(ref r, s_sizes));
        public static readonly Codec FinishResponse0 = Message(SpdmFinishResponse.Name + " (no verify data)", b => SpdmFinishResponse.Decode(b, 0), (ref WireReader r) => SpdmFinishResponse.Read(ref r, 0));
        public static readonly Codec FinishResponse48 = Message(SpdmFinishResponse.Name, b => SpdmFinishResponse.Decode(b, 48), (ref WireReader r) => SpdmFinishResponse.Read(ref r, 48));
        public static readonly Codec EndSession = Message(SpdmEndSession.Name, b => SpdmEndSession.Decode(b), SpdmEndSession.Read);
        public static readonly Codec EndSessionAck = Message(SpdmEndSessionAck.Name, b => SpdmEndSessionAck.Decode(b), SpdmEndSessionAck.Read);
        public static readonly Codec VendorRequest = Message(SpdmVendorDefinedMessage.RequestName, b => SpdmVendorDefinedMessage.DecodeRequest(b), (ref WireReader r) => SpdmVendorDefinedMessage.Read(ref r, true));
        public static readonly Codec VendorResponse = Message(SpdmVendorDefinedMessage.ResponseName, b => SpdmVendorDefinedMessage.DecodeResponse(b), (ref WireReader r) => SpdmVendorDefinedMessage.Read(ref r, false));
        public static readonly Codec Error = Message(SpdmErrorResponse.Name, b => SpdmErrorResponse.Decode(b), SpdmErrorResponse.Read);
        public static readonly Codec CertificateChain = new(SpdmCertificateChain.Name, b => SpdmCertificateChain.Decode(b, 48).Encode());
        public static readonly Codec SupportedVersions = new(
            SecuredMessageOpaqueData.Name + " supported",
            b => SecuredMessageOpaqueData.EncodeSupportedVersions(SecuredMessageOpaqueData.DecodeSupportedVersions(b)));

        public static readonly Codec VersionSelection = new(
            SecuredMessageOpaqueData.Name + " selection",
            b => SecuredMessageOpaqueData.EncodeVersionSelection(SecuredMessageOpaqueData.DecodeVersionSelection(b)));

        public static Codec Padded(Codec exact) => s_padded[exact];

        private static Codec Message(string name, Func<byte[], SpdmMessage> decode, SpdmMessageReader<SpdmMessage> read)
        {
            var exact = new Codec(name, b => decode(b).Encode());
            s_padded[exact] = new Codec(name + " (DOE padded)", b =>
            {
                var encoded = SpdmMessage.DecodePadded(b, name, read, out _).Encode();
                var padded = new byte[(encoded.Length + 3) & ~3];
                encoded.CopyTo(padded, 0);
                return padded;
            });
            return exact;
        }
    }
}
