using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>
/// MEASUREMENTS (0x60), DSP0274 1.2 Table 42: Param1 = TotalNumberOfMeasurementIndices (operation 0) else reserved;
/// Param2 = SlotID [3:0] | content-changed [5:4]; NumberOfBlocks u8, MeasurementRecordLength u24, the record,
/// Nonce[32], OpaqueDataLength u16, OpaqueData, Signature (S bytes, only if requested).
/// </summary>
public sealed class SpdmMeasurements : SpdmMessage
{
    public const string Name = "SPDM.MEASUREMENTS";

    public const int NonceSize = 32;

    private const int MaxRecordLength = (1 << 24) - 1;

    public SpdmMeasurements(
        byte param1,
        byte slotIdParam,
        IReadOnlyList<SpdmMeasurementBlock> blocks,
        byte[] nonce,
        byte[] opaqueData,
        byte[]? signature,
        byte version = SpdmVersion.V12)
        : base(version)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentNullException.ThrowIfNull(nonce);
        ArgumentNullException.ThrowIfNull(opaqueData);
        if (nonce.Length != NonceSize)
        {
            throw new ArgumentException("the nonce is 32 bytes", nameof(nonce));
        }

        if (blocks.Count > byte.MaxValue || opaqueData.Length > ushort.MaxValue)
        {
            throw new ArgumentException("too many blocks or too much opaque data");
        }

        Param1 = param1;
        SlotIdParam = slotIdParam;
        Blocks = blocks;
        Nonce = nonce;
        OpaqueData = opaqueData;
        Signature = signature;
        if (RecordLength > MaxRecordLength)
        {
            throw new ArgumentException("measurement record exceeds 2^24-1 bytes", nameof(blocks));
        }
    }

    /// <summary>TotalNumberOfMeasurementIndices when the request asked for the count; otherwise reserved.</summary>
    public byte Param1 { get; }

    /// <summary>Param2: SlotID in bits 3:0, content-changed in bits 5:4.</summary>
    public byte SlotIdParam { get; }

    public IReadOnlyList<SpdmMeasurementBlock> Blocks { get; }

    public byte[] Nonce { get; }

    public byte[] OpaqueData { get; }

    public byte[]? Signature { get; }

    public int RecordLength => Blocks.Sum(b => b.EncodedLength);

    public override SpdmRequestResponseCode Code => SpdmRequestResponseCode.Measurements;

    public override int EncodedLength =>
        SpdmHeader.Size + 4 + RecordLength + NonceSize + 2 + OpaqueData.Length + (Signature?.Length ?? 0);

    /// <summary>Length of the message without its signature: what the signature covers (the end of L1).</summary>
    public int UnsignedLength => EncodedLength - (Signature?.Length ?? 0);

    public override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, Param1, SlotIdParam);
        writer.WriteByte((byte)Blocks.Count);
        var record = RecordLength;
        writer.WriteByte((byte)record);
        writer.WriteByte((byte)(record >> 8));
        writer.WriteByte((byte)(record >> 16));
        foreach (var b in Blocks)
        {
            b.Write(ref writer);
        }

        writer.WriteBytes(Nonce);
        writer.WriteUInt16((ushort)OpaqueData.Length);
        writer.WriteBytes(OpaqueData);
        if (Signature is not null)
        {
            writer.WriteBytes(Signature);
        }
    }

    /// <param name="signatureSize">S when the request asked for a signature, 0 otherwise.</param>
    public static SpdmMeasurements Read(ref WireReader reader, int signatureSize)
    {
        var header = SpdmHeader.Read(ref reader, SpdmRequestResponseCode.Measurements);
        var count = reader.ReadByte("NumberOfBlocks");
        var lo = reader.ReadByte("MeasurementRecordLength");
        var mid = reader.ReadByte("MeasurementRecordLength");
        var hi = reader.ReadByte("MeasurementRecordLength");
        var recordLength = lo | (mid << 8) | (hi << 16);
        var record = reader.ReadBytes(recordLength, "MeasurementRecord");
        var recordReader = new WireReader(record, Name + ".MeasurementRecord");
        var blocks = new SpdmMeasurementBlock[count];
        for (var i = 0; i < count; i++)
        {
            blocks[i] = SpdmMeasurementBlock.Read(ref recordReader);
        }

        if (recordReader.Remaining != 0)
        {
            reader.Fail("MeasurementRecordLength", $"{recordReader.Remaining} bytes left after {count} blocks");
        }

        var nonce = reader.ReadBytes(NonceSize, "Nonce").ToArray();
        var opaqueLength = reader.ReadUInt16("OpaqueDataLength");
        var opaque = reader.ReadBytes(opaqueLength, "OpaqueData").ToArray();
        byte[]? signature = signatureSize > 0 ? reader.ReadBytes(signatureSize, "Signature").ToArray() : null;
        return new SpdmMeasurements(header.Param1, header.Param2, blocks, nonce, opaque, signature, header.Version);
    }

    public static SpdmMeasurements Decode(ReadOnlySpan<byte> message, int signatureSize) =>
        DecodeExact(message, Name, (ref WireReader r) => Read(ref r, signatureSize));
}
