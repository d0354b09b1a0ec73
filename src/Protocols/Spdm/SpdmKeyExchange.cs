using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>
/// KEY_EXCHANGE (0xE4), DSP0274 1.2 Table 62: Param1 = MeasurementSummaryHashType (0 none, 1 TCB, 0xFF all),
/// Param2 = SlotID; ReqSessionID u16, SessionPolicy u8, Reserved u8, RandomData[32], ExchangeData[D],
/// OpaqueDataLength u16, OpaqueData.
/// </summary>
public sealed class SpdmKeyExchange : SpdmMessage
{
    public const string Name = "SPDM.KEY_EXCHANGE";

    public const int RandomDataSize = 32;

    public SpdmKeyExchange(
        byte measurementSummaryHashType,
        byte slotId,
        ushort reqSessionId,
        byte sessionPolicy,
        byte[] randomData,
        byte[] exchangeData,
        byte[] opaqueData,
        byte version = SpdmVersion.V12)
        : base(version)
    {
        ArgumentNullException.ThrowIfNull(randomData);
        ArgumentNullException.ThrowIfNull(exchangeData);
        ArgumentNullException.ThrowIfNull(opaqueData);
        if (randomData.Length != RandomDataSize)
        {
            throw new ArgumentException("RandomData is 32 bytes", nameof(randomData));
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(opaqueData.Length, ushort.MaxValue);
        MeasurementSummaryHashType = measurementSummaryHashType;
        SlotId = slotId;
        ReqSessionId = reqSessionId;
        SessionPolicy = sessionPolicy;
        RandomData = randomData;
        ExchangeData = exchangeData;
        OpaqueData = opaqueData;
    }

    public byte MeasurementSummaryHashType { get; }

    public byte SlotId { get; }

    public ushort ReqSessionId { get; }

    public byte SessionPolicy { get; }

    public byte[] RandomData { get; }

    /// <summary>The requester's ephemeral public key; for secp384r1 the X and Y coordinates, big-endian, 48 bytes each.</summary>
    public byte[] ExchangeData { get; }

    public byte[] OpaqueData { get; }

    public override SpdmRequestResponseCode Code => SpdmRequestResponseCode.KeyExchange;

    public override int EncodedLength => SpdmHeader.Size + 4 + RandomDataSize + ExchangeData.Length + 2 + OpaqueData.Length;

    public override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, MeasurementSummaryHashType, SlotId);
        writer.WriteUInt16(ReqSessionId);
        writer.WriteByte(SessionPolicy);
        writer.WriteByte(0);
        writer.WriteBytes(RandomData);
        writer.WriteBytes(ExchangeData);
        writer.WriteUInt16((ushort)OpaqueData.Length);
        writer.WriteBytes(OpaqueData);
    }

    public static SpdmKeyExchange Read(ref WireReader reader, int exchangeDataSize)
    {
        var header = SpdmHeader.Read(ref reader, SpdmRequestResponseCode.KeyExchange);
        var sessionId = reader.ReadUInt16("ReqSessionID");
        var policy = reader.ReadByte("SessionPolicy");
        reader.Skip(1, "Reserved");
        var random = reader.ReadBytes(RandomDataSize, "RandomData").ToArray();
        var exchange = reader.ReadBytes(exchangeDataSize, "ExchangeData").ToArray();
        var opaqueLength = reader.ReadUInt16("OpaqueDataLength");
        var opaque = reader.ReadBytes(opaqueLength, "OpaqueData").ToArray();
        return new SpdmKeyExchange(header.Param1, header.Param2, sessionId, policy, random, exchange, opaque, header.Version);
    }

    public static SpdmKeyExchange Decode(ReadOnlySpan<byte> message, int exchangeDataSize) =>
        DecodeExact(message, Name, (ref WireReader r) => Read(ref r, exchangeDataSize));
}
