using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>
/// FINISH (0xE5), DSP0274 1.2 Table 66: Param1 bit 0 = signature included (mutual authentication), Param2 =
/// ReqSlotID; Signature[S, only if included], RequesterVerifyData[H].
/// </summary>
public sealed class SpdmFinish : SpdmMessage
{
    public const string Name = "SPDM.FINISH";

    public SpdmFinish(byte[]? signature, byte reqSlotId, byte[] requesterVerifyData, byte version = SpdmVersion.V12)
        : base(version)
    {
        ArgumentNullException.ThrowIfNull(requesterVerifyData);
        Signature = signature;
        ReqSlotId = reqSlotId;
        RequesterVerifyData = requesterVerifyData;
    }

    public byte[]? Signature { get; }

    public byte ReqSlotId { get; }

    public byte[] RequesterVerifyData { get; }

    public override SpdmRequestResponseCode Code => SpdmRequestResponseCode.Finish;

    /// <summary>Offset of RequesterVerifyData: the HMAC covers the transcript up to here.</summary>
    public int VerifyDataOffset => SpdmHeader.Size + (Signature?.Length ?? 0);

    public override int EncodedLength => VerifyDataOffset + RequesterVerifyData.Length;

    public override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, Signature is null ? (byte)0 : (byte)1, ReqSlotId);
        if (Signature is not null)
        {
            writer.WriteBytes(Signature);
        }

        writer.WriteBytes(RequesterVerifyData);
    }

    public static SpdmFinish Read(ref WireReader reader, SpdmFieldSizes sizes)
    {
        var header = SpdmHeader.Read(ref reader, SpdmRequestResponseCode.Finish);
        byte[]? signature = (header.Param1 & 1) != 0 ? reader.ReadBytes(sizes.SignatureSize, "Signature").ToArray() : null;
        var verify = reader.ReadBytes(sizes.HashSize, "RequesterVerifyData").ToArray();
        return new SpdmFinish(signature, header.Param2, verify, header.Version);
    }

    public static SpdmFinish Decode(ReadOnlySpan<byte> message, SpdmFieldSizes sizes) =>
        DecodeExact(message, Name, (ref WireReader r) => Read(ref r, sizes));
}
