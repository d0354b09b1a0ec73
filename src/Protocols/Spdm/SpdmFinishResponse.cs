using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>
/// FINISH_RSP (0x65), DSP0274 1.2 Table 67: ResponderVerifyData[H] only when HANDSHAKE_IN_THE_CLEAR was negotiated;
/// with an encrypted handshake the message is the header alone.
/// </summary>
public sealed class SpdmFinishResponse : SpdmMessage
{
    public const string Name = "SPDM.FINISH_RSP";

    public SpdmFinishResponse(byte[] responderVerifyData, byte version = SpdmVersion.V12)
        : base(version)
    {
        ArgumentNullException.ThrowIfNull(responderVerifyData);
        ResponderVerifyData = responderVerifyData;
    }

    public byte[] ResponderVerifyData { get; }

    public override SpdmRequestResponseCode Code => SpdmRequestResponseCode.FinishRsp;

    public override int EncodedLength => SpdmHeader.Size + ResponderVerifyData.Length;

    public override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, 0, 0);
        writer.WriteBytes(ResponderVerifyData);
    }

    public static SpdmFinishResponse Read(ref WireReader reader, int verifyDataSize)
    {
        var header = SpdmHeader.Read(ref reader, SpdmRequestResponseCode.FinishRsp);
        var verify = reader.ReadBytes(verifyDataSize, "ResponderVerifyData").ToArray();
        return new SpdmFinishResponse(verify, header.Version);
    }

    /// <param name="verifyDataSize">H when the handshake is in the clear, 0 otherwise.</param>
    public static SpdmFinishResponse Decode(ReadOnlySpan<byte> message, int verifyDataSize) =>
        DecodeExact(message, Name, (ref WireReader r) => Read(ref r, verifyDataSize));
}
