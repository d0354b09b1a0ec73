using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>
/// KEY_EXCHANGE_RSP (0x64), DSP0274 1.2 Table 63: Param1 = HeartbeatPeriod; RspSessionID u16, MutAuthRequested u8,
/// ReqSlotIDParam u8, RandomData[32], ExchangeData[D], MeasurementSummaryHash[H or 0], OpaqueDataLength u16,
/// OpaqueData, Signature[S], ResponderVerifyData[H, absent when the handshake is in the clear].
/// </summary>
public sealed class SpdmKeyExchangeResponse : SpdmMessage
{
    public const string Name = "SPDM.KEY_EXCHANGE_RSP";

    public const int RandomDataSize = 32;

    public SpdmKeyExchangeResponse(
        byte heartbeatPeriod,
        ushort rspSessionId,
        byte mutAuthRequested,
        byte reqSlotIdParam,
        byte[] randomData,
        byte[] exchangeData,
        byte[] measurementSummaryHash,
        byte[] opaqueData,
        byte[] signature,
        byte[] responderVerifyData,
        byte version = SpdmVersion.V12)
        : base(version)
    {
        ArgumentNullException.ThrowIfNull(randomData);
        ArgumentNullException.ThrowIfNull(exchangeData);
        ArgumentNullException.ThrowIfNull(measurementSummaryHash);
        ArgumentNullException.ThrowIfNull(opaqueData);
        ArgumentNullException.ThrowIfNull(signature);
        ArgumentNullException.ThrowIfNull(responderVerifyData);
        if (randomData.Length != RandomDataSize)
        {
            throw new ArgumentException("RandomData is 32 bytes", nameof(randomData));
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(opaqueData.Length, ushort.MaxValue);
        HeartbeatPeriod = heartbeatPeriod;
        RspSessionId = rspSessionId;
        MutAuthRequested = mutAuthRequested;
        ReqSlotIdParam = reqSlotIdParam;
        RandomData = randomData;
        ExchangeData = exchangeData;
        MeasurementSummaryHash = measurementSummaryHash;
        OpaqueData = opaqueData;
        Signature = signature;
        ResponderVerifyData = responderVerifyData;
    }

    public byte HeartbeatPeriod { get; }

    public ushort RspSessionId { get; }

    public byte MutAuthRequested { get; }

    public byte ReqSlotIdParam { get; }

    public byte[] RandomData { get; }

    public byte[] ExchangeData { get; }

    /// <summary>Empty when the request's MeasurementSummaryHashType was 0.</summary>
    public byte[] MeasurementSummaryHash { get; }

    public byte[] OpaqueData { get; }

    public byte[] Signature { get; }

    /// <summary>Empty when HANDSHAKE_IN_THE_CLEAR was negotiated.</summary>
    public byte[] ResponderVerifyData { get; }

    public override SpdmRequestResponseCode Code => SpdmRequestResponseCode.KeyExchangeRsp;

    public override int EncodedLength => SignatureOffset + Signature.Length + ResponderVerifyData.Length;

    /// <summary>Offset of Signature: the signature covers the transcript up to here.</summary>
    public int SignatureOffset =>
        SpdmHeader.Size + 4 + RandomDataSize + ExchangeData.Length + MeasurementSummaryHash.Length + 2 + OpaqueData.Length;

    /// <summary>Offset of ResponderVerifyData: TH1 and the HMAC cover the transcript up to here.</summary>
    public int VerifyDataOffset => SignatureOffset + Signature.Length;

    public override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, HeartbeatPeriod, 0);
        writer.WriteUInt16(RspSessionId);
        writer.WriteByte(MutAuthRequested);
        writer.WriteByte(ReqSlotIdParam);
        writer.WriteBytes(RandomData);
        writer.WriteBytes(ExchangeData);
        writer.WriteBytes(MeasurementSummaryHash);
        writer.WriteUInt16((ushort)OpaqueData.Length);
        writer.WriteBytes(OpaqueData);
        writer.WriteBytes(Signature);
        writer.WriteBytes(ResponderVerifyData);
    }

    public static SpdmKeyExchangeResponse Read(
        ref WireReader reader,
        SpdmFieldSizes sizes,
        bool measurementSummaryHashPresent,
        bool responderVerifyDataPresent)
    {
        var header = SpdmHeader.Read(ref reader, SpdmRequestResponseCode.KeyExchangeRsp);
        var sessionId = reader.ReadUInt16("RspSessionID");
        var mutAuth = reader.ReadByte("MutAuthRequested");
        var slot = reader.ReadByte("ReqSlotIDParam");
        var random = reader.ReadBytes(RandomDataSize, "RandomData").ToArray();
        var exchange = reader.ReadBytes(sizes.ExchangeDataSize, "ExchangeData").ToArray();
        var summary = measurementSummaryHashPresent
            ? reader.ReadBytes(sizes.HashSize, "MeasurementSummaryHash").ToArray()
            : [];
        var opaqueLength = reader.ReadUInt16("OpaqueDataLength");
        var opaque = reader.ReadBytes(opaqueLength, "OpaqueData").ToArray();
        var signature = reader.ReadBytes(sizes.SignatureSize, "Signature").ToArray();
        var verify = responderVerifyDataPresent ? reader.ReadBytes(sizes.HashSize, "ResponderVerifyData").ToArray() : [];
        return new SpdmKeyExchangeResponse(
            header.Param1, sessionId, mutAuth, slot, random, exchange, summary, opaque, signature, verify, header.Version);
    }

    public static SpdmKeyExchangeResponse Decode(
        ReadOnlySpan<byte> message,
        SpdmFieldSizes sizes,
        bool measurementSummaryHashPresent,
        bool responderVerifyDataPresent) =>
        DecodeExact(message, Name, (ref WireReader r) => Read(ref r, sizes, measurementSummaryHashPresent, responderVerifyDataPresent));
}
