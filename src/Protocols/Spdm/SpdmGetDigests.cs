using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>GET_DIGESTS (0x81): header only.</summary>
public sealed class SpdmGetDigests : SpdmMessage
{
    public const string Name = "SPDM.GET_DIGESTS";

    public SpdmGetDigests(byte version = SpdmVersion.V12)
        : base(version)
    {
    }

    public override SpdmRequestResponseCode Code => SpdmRequestResponseCode.GetDigests;

    public override int EncodedLength => SpdmHeader.Size;

    public override void Write(ref WireWriter writer) => WriteHeader(ref writer, 0, 0);

    public static SpdmGetDigests Read(ref WireReader reader) =>
        new(SpdmHeader.Read(ref reader, SpdmRequestResponseCode.GetDigests).Version);

    public static SpdmGetDigests Decode(ReadOnlySpan<byte> message) => DecodeExact(message, Name, Read);
}
