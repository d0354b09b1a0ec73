using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>GET_VERSION (0x84): header only, always sent as version 1.0.</summary>
public sealed class SpdmGetVersion : SpdmMessage
{
    public const string Name = "SPDM.GET_VERSION";

    public SpdmGetVersion(byte version = SpdmVersion.V10)
        : base(version)
    {
    }

    public override SpdmRequestResponseCode Code => SpdmRequestResponseCode.GetVersion;

    public override int EncodedLength => SpdmHeader.Size;

    public override void Write(ref WireWriter writer) => WriteHeader(ref writer, 0, 0);

    public static SpdmGetVersion Read(ref WireReader reader)
    {
        var header = SpdmHeader.Read(ref reader, SpdmRequestResponseCode.GetVersion);
        return new SpdmGetVersion(header.Version);
    }

    public static SpdmGetVersion Decode(ReadOnlySpan<byte> message) => DecodeExact(message, Name, Read);
}
