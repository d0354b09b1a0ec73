using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>CAPABILITIES (0x61); same body as GET_CAPABILITIES (20 bytes in total for 1.2).</summary>
public sealed class SpdmCapabilities : SpdmMessage
{
    public const string Name = "SPDM.CAPABILITIES";

    public SpdmCapabilities(SpdmCapabilitiesFields fields, byte version = SpdmVersion.V12)
        : base(version) => Fields = fields;

    public SpdmCapabilitiesFields Fields { get; }

    public override SpdmRequestResponseCode Code => SpdmRequestResponseCode.Capabilities;

    public override int EncodedLength => SpdmHeader.Size + SpdmCapabilitiesFields.BodyLength(Version, request: false);

    public override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, 0, 0);
        Fields.Write(ref writer, Version, request: false);
    }

    public static SpdmCapabilities Read(ref WireReader reader)
    {
        var header = SpdmHeader.Read(ref reader, SpdmRequestResponseCode.Capabilities);
        var fields = SpdmCapabilitiesFields.Read(ref reader, header.Version, request: false);
        return new SpdmCapabilities(fields, header.Version);
    }

    public static SpdmCapabilities Decode(ReadOnlySpan<byte> message) => DecodeExact(message, Name, Read);
}
