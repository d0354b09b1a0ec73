using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>GET_CAPABILITIES (0xE1); the body length depends on the header version (20 bytes in total for 1.2).</summary>
public sealed class SpdmGetCapabilities : SpdmMessage
{
    public const string Name = "SPDM.GET_CAPABILITIES";

    public SpdmGetCapabilities(SpdmCapabilitiesFields fields, byte version = SpdmVersion.V12)
        : base(version) => Fields = fields;

    public SpdmCapabilitiesFields Fields { get; }

    public override SpdmRequestResponseCode Code => SpdmRequestResponseCode.GetCapabilities;

    public override int EncodedLength => SpdmHeader.Size + SpdmCapabilitiesFields.BodyLength(Version, request: true);

    public override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, 0, 0);
        Fields.Write(ref writer, Version, request: true);
    }

    public static SpdmGetCapabilities Read(ref WireReader reader)
    {
        var header = SpdmHeader.Read(ref reader, SpdmRequestResponseCode.GetCapabilities);
        var fields = SpdmCapabilitiesFields.Read(ref reader, header.Version, request: true);
        return new SpdmGetCapabilities(fields, header.Version);
    }

    public static SpdmGetCapabilities Decode(ReadOnlySpan<byte> message) => DecodeExact(message, Name, Read);
}
