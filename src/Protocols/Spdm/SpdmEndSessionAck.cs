using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>END_SESSION_ACK (0x6C): header only.</summary>
public sealed class SpdmEndSessionAck : SpdmMessage
{
    public const string Name = "SPDM.END_SESSION_ACK";

    public SpdmEndSessionAck(byte version = SpdmVersion.V12)
        : base(version)
    {
    }

    public override SpdmRequestResponseCode Code => SpdmRequestResponseCode.EndSessionAck;

    public override int EncodedLength => SpdmHeader.Size;

    public override void Write(ref WireWriter writer) => WriteHeader(ref writer, 0, 0);

    public static SpdmEndSessionAck Read(ref WireReader reader) =>
        new(SpdmHeader.Read(ref reader, SpdmRequestResponseCode.EndSessionAck).Version);

    public static SpdmEndSessionAck Decode(ReadOnlySpan<byte> message) => DecodeExact(message, Name, Read);
}
