using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>Request attributes of GET_MEASUREMENTS (Param1).</summary>
[Flags]
public enum SpdmMeasurementRequestAttributes : byte
{
    None = 0,
    GenerateSignature = 1 << 0,
    RawBitStreamRequested = 1 << 1,
}

/// <summary>
/// GET_MEASUREMENTS (0xE0), DSP0274 1.2 Table 39: Param1 = attributes, Param2 = MeasurementOperation (0 = count,
/// 1..0xFE = one index, 0xFF = all). Nonce[32] and SlotIDParam u8 are present only when a signature is requested.
/// </summary>
public sealed class SpdmGetMeasurements : SpdmMessage
{
    public const string Name = "SPDM.GET_MEASUREMENTS";

    public const int NonceSize = 32;

    public const byte OperationTotalCount = 0x00;

    public const byte OperationAll = 0xFF;

    public SpdmGetMeasurements(
        SpdmMeasurementRequestAttributes attributes,
        byte operation,
        byte[]? nonce,
        byte slotId,
        byte version = SpdmVersion.V12)
        : base(version)
    {
        var signed = (attributes & SpdmMeasurementRequestAttributes.GenerateSignature) != 0;
        if (signed != (nonce is not null))
        {
            throw new ArgumentException("a nonce is present exactly when a signature is requested", nameof(nonce));
        }

        if (nonce is not null && nonce.Length != NonceSize)
        {
            throw new ArgumentException("the nonce is 32 bytes", nameof(nonce));
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(slotId, (byte)7);
        Attributes = attributes;
        Operation = operation;
        Nonce = nonce;
        SlotId = slotId;
    }

    public SpdmMeasurementRequestAttributes Attributes { get; }

    public byte Operation { get; }

    public byte[]? Nonce { get; }

    public byte SlotId { get; }

    public bool SignatureRequested => (Attributes & SpdmMeasurementRequestAttributes.GenerateSignature) != 0;

    public override SpdmRequestResponseCode Code => SpdmRequestResponseCode.GetMeasurements;

    public override int EncodedLength => SpdmHeader.Size + (SignatureRequested ? NonceSize + 1 : 0);

    public override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, (byte)Attributes, Operation);
        if (SignatureRequested)
        {
            writer.WriteBytes(Nonce);
            writer.WriteByte(SlotId);
        }
    }

    public static SpdmGetMeasurements Read(ref WireReader reader)
    {
        var header = SpdmHeader.Read(ref reader, SpdmRequestResponseCode.GetMeasurements);

        // Only bits 0 and 1 are defined; the rest are reserved and ignored.
        var attributes = (SpdmMeasurementRequestAttributes)(header.Param1 & 0x3);
        byte[]? nonce = null;
        byte slot = 0;
        if ((attributes & SpdmMeasurementRequestAttributes.GenerateSignature) != 0)
        {
            nonce = reader.ReadBytes(NonceSize, "Nonce").ToArray();
            slot = (byte)(reader.ReadByte("SlotIDParam") & 0xF);
            if (slot > 7)
            {
                reader.Fail("SlotIDParam", $"slot {slot} is beyond the 8 slots of SPDM 1.2");
            }
        }

        return new SpdmGetMeasurements(attributes, header.Param2, nonce, slot, header.Version);
    }

    public static SpdmGetMeasurements Decode(ReadOnlySpan<byte> message) => DecodeExact(message, Name, Read);
}
