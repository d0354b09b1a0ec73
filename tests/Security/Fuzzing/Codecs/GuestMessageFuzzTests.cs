using CsCheck;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Tsm;
using SevTio.Security.Tests.Fuzzing.Harness;
using Xunit.Abstractions;

namespace SevTio.Security.Tests.Fuzzing.Codecs;

/// <summary>
/// SNP guest messages (the 96-byte header and its payload in a message page) and the TIO_MSG_* payloads of both
/// message versions. The PSP reads these from guest-shared pages, so only <c>ProtocolFormatException</c> may escape.
/// TIO payloads check every reserved bit and their length: an accepted payload re-encodes to its own bytes.
/// </summary>
public sealed class GuestMessageFuzzTests(ITestOutputHelper output)
{
    private static readonly Gen<TioMessageVersion> s_version = FuzzGen.OneOf(TioMessageVersion.V1, TioMessageVersion.V2);

    /// <summary>A TDI id that fits the version (16-bit guest_device_id in version 1, 64-bit tdi_id in version 2).</summary>
    private static readonly Gen<ulong> s_tdiId = FuzzGen.U64;

    /// <summary>Every TIO_MSG payload type, with a version its layout has, as (type, version, bytes).</summary>
    internal static readonly Gen<(SnpGuestMessageType Type, TioMessageVersion Version, byte[] Bytes)> Payloads = FuzzGen.Any(
        Gen.Select(s_version, s_tdiId, (v, id) => Payload(new TdiInfoRequest(Fit(id, v)), v)),
        Gen.Select(s_version, s_tdiId, Gen.UShort[0, 2], Gen.UInt[0, 3], PspGen.LockFlags, PspGen.Algorithms, PspGen.Digest, FuzzGen.U64)
            .Select((v, id, status, meas, locks, algos, digest, count) =>
                Payload(new TdiInfoResponse(Fit(id, v), (TdiBindStatus)status, (TioMeasurementFlags)meas, locks, algos, digest, digest, digest, count), v)),
        Gen.Select(s_version, s_tdiId, FuzzGen.U64, FuzzGen.U32, FuzzGen.U32, Gen.UShort[0, 3], FuzzGen.U16, (v, id, b, n, o, f, r) =>
            Payload(new MmioValidateRequest(Fit(id, v), b, n, o, (MmioValidateFlags)f, r), v)),
        Gen.Select(s_version, s_tdiId, Gen.UShort[0, 10], FuzzGen.U64, FuzzGen.U32, FuzzGen.U32, Gen.Bool, FuzzGen.U16, (v, id, s, b, n, o, c, r) =>
            Payload(new MmioValidateResponse(Fit(id, v), (MmioValidateStatus)s, b, n, o, c, r), v)),
        Gen.Select(FuzzGen.U16, Gen.Bool, FuzzGen.U16, Gen.Bool, (id, nonTee, r, w) => Payload(new MmioConfigRequest(id, nonTee, r, w), TioMessageVersion.V1)),
        Gen.Select(FuzzGen.U16, FuzzGen.U16, Gen.UInt[0, 15], FuzzGen.U16, Gen.Bool, (id, s, a, r, w) =>
            Payload(new MmioConfigResponse(id, s, (MmioConfigAttributes)a, r, w), TioMessageVersion.V1)),
        Gen.Select(s_version, s_tdiId, FuzzGen.Bytes(64), (v, id, sdte) => Payload(new SdteWriteRequest(Fit(id, v), SecureDeviceTableEntryImage.FromBytes(sdte)), v)),
        Gen.Select(s_version, s_tdiId, Gen.UShort[0, 3], (v, id, s) => Payload(new SdteWriteResponse(Fit(id, v), (SdteWriteStatus)s), v)));

    [Fact]
    public void TioMessagePayloads_Mutated_OnlyProtocolFormatExceptionAndExactRoundTrip()
    {
        var samples = Payloads.Select(p => new CodecSample(PayloadCodec(p.Type, p.Version), p.Bytes));
        CodecFuzz.Run("TIO_MSG payloads", samples, output, minDistinctRejections: 20);
    }

    [Fact]
    public void SnpGuestMessages_MutatedPages_OnlyProtocolFormatExceptionAndRoundTrip()
    {
        // The header of a guest message page, with a TIO payload (in its plaintext form) or other bytes after it.
        var samples = Gen.Select(
            Gen.Frequency((3, (IGen<(SnpGuestMessageType, TioMessageVersion, byte[])>)Payloads), (1, Gen.Select(Gen.Byte.Where(t => TioGuestMessages.PayloadSizeOf((SnpGuestMessageType)t) == 0), FuzzGen.Bytes(0, 64), (t, b) => ((SnpGuestMessageType)t, (TioMessageVersion)1, b)))),
            FuzzGen.U64,
            Gen.Byte[0, 3],
            FuzzGen.Bytes(16),
            ((SnpGuestMessageType Type, TioMessageVersion Version, byte[] Bytes) payload, ulong sequence, byte vmpck, byte[] tag) =>
            {
                var header = SnpGuestMessageHeader.Create(payload.Type, (byte)payload.Version, sequence, (ushort)payload.Bytes.Length, vmpck).WithAuthTag(AesGcmTag.FromBytes(tag));
                var page = new byte[SnpGuestMessageHeader.Size + payload.Bytes.Length];
                SnpGuestMessage.Write(page, header, payload.Bytes);
                return new CodecSample(s_page, page);
            });
        CodecFuzz.Run("SNP guest messages", samples, output, minDistinctRejections: 10);
    }

    private static readonly Codec s_page = new("SNP_GUEST_MSG", bytes =>
    {
        var view = SnpGuestMessage.Read(bytes);
        var header = view.Header;
        var payload = view.Ciphertext.ToArray();
        if (TioGuestMessages.PayloadSizeOf(header.MessageType) > 0)
        {
            // How the PSP reads a TIO request once it has opened it: by type, in the header's message version.
            payload = PayloadCodec(header.MessageType, (TioMessageVersion)header.MessageVersion).DecodeEncode(payload);
        }

        Expect(view.AuthTag.SequenceEqual(header.AuthTag.ToArray()), "the view's tag is not the header's");
        Expect(view.AssociatedData.SequenceEqual(SnpGuestMessage.AssociatedDataOf(bytes)), "the view's associated data is not the page's");
        var page = new byte[SnpGuestMessageHeader.Size + payload.Length];
        SnpGuestMessage.Write(page, header with { MessageSize = (ushort)payload.Length }, payload);
        return page;
    });

    private static readonly Dictionary<(SnpGuestMessageType, TioMessageVersion), Codec> s_codecs = [];

    private static Codec PayloadCodec(SnpGuestMessageType type, TioMessageVersion version)
    {
        lock (s_codecs)
        {
            if (!s_codecs.TryGetValue((type, version), out var codec))
            {
                codec = new Codec($"TIO_MSG {type} v{(byte)version}", b => type switch
                {
                    SnpGuestMessageType.TioTdiInfoRequest => DecodeEncode<TdiInfoRequest>(b, version),
                    SnpGuestMessageType.TioTdiInfoResponse => DecodeEncode<TdiInfoResponse>(b, version),
                    SnpGuestMessageType.TioMmioValidateRequest => DecodeEncode<MmioValidateRequest>(b, version),
                    SnpGuestMessageType.TioMmioValidateResponse => DecodeEncode<MmioValidateResponse>(b, version),
                    SnpGuestMessageType.TioMmioConfigRequest => DecodeEncode<MmioConfigRequest>(b, version),
                    SnpGuestMessageType.TioMmioConfigResponse => DecodeEncode<MmioConfigResponse>(b, version),
                    SnpGuestMessageType.TioSdteWriteRequest => DecodeEncode<SdteWriteRequest>(b, version),
                    SnpGuestMessageType.TioSdteWriteResponse => DecodeEncode<SdteWriteResponse>(b, version),
                    _ => throw new InvalidOperationException($"{type} is not a TIO message"),
                }, RoundTrip.Exact);
                s_codecs[(type, version)] = codec;
            }

            return codec;
        }
    }

    private static byte[] DecodeEncode<T>(byte[] bytes, TioMessageVersion version)
        where T : struct, ITioGuestMessage<T>
    {
        var value = T.Decode(bytes, version);
        var encoded = new byte[T.EncodedSize];
        value.Encode(encoded, version);
        return encoded;
    }

    private static (SnpGuestMessageType, TioMessageVersion, byte[]) Payload<T>(T message, TioMessageVersion version)
        where T : struct, ITioGuestMessage<T>
    {
        var bytes = new byte[T.EncodedSize];
        message.Encode(bytes, version);
        return (T.MessageType, version, bytes);
    }

    private static ulong Fit(ulong id, TioMessageVersion version) => version == TioMessageVersion.V1 ? (ushort)id : id;

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzOracleException(what);
        }
    }
}
