using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>
/// VENDOR_DEFINED_REQUEST (0xFE) and VENDOR_DEFINED_RESPONSE (0x7E), DSP0274 1.2 Tables 56/57: StandardID u16
/// (registry: 3 = PCI-SIG), Len u8, VendorID[Len], ReqLength/RespLength u16, then that many payload bytes.
/// </summary>
public sealed class SpdmVendorDefinedMessage : SpdmMessage
{
    public const string RequestName = "SPDM.VENDOR_DEFINED_REQUEST";

    public const string ResponseName = "SPDM.VENDOR_DEFINED_RESPONSE";

    private readonly bool _isRequest;

    public SpdmVendorDefinedMessage(bool isRequest, ushort standardId, byte[] vendorId, byte[] payload, byte version = SpdmVersion.V12)
        : base(version)
    {
        ArgumentNullException.ThrowIfNull(vendorId);
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vendorId.Length, byte.MaxValue);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, ushort.MaxValue);
        _isRequest = isRequest;
        StandardId = standardId;
        VendorId = vendorId;
        Payload = payload;
    }

    public bool IsRequest => _isRequest;

    public ushort StandardId { get; }

    public byte[] VendorId { get; }

    public byte[] Payload { get; }

    public override SpdmRequestResponseCode Code =>
        _isRequest ? SpdmRequestResponseCode.VendorDefinedRequest : SpdmRequestResponseCode.VendorDefinedResponse;

    public override int EncodedLength => SpdmHeader.Size + 3 + VendorId.Length + 2 + Payload.Length;

    public override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, 0, 0);
        writer.WriteUInt16(StandardId);
        writer.WriteByte((byte)VendorId.Length);
        writer.WriteBytes(VendorId);
        writer.WriteUInt16((ushort)Payload.Length);
        writer.WriteBytes(Payload);
    }

    public static SpdmVendorDefinedMessage Read(ref WireReader reader, bool isRequest)
    {
        var header = SpdmHeader.Read(
            ref reader, isRequest ? SpdmRequestResponseCode.VendorDefinedRequest : SpdmRequestResponseCode.VendorDefinedResponse);
        var standard = reader.ReadUInt16("StandardID");
        var len = reader.ReadByte("Len");
        var vendor = reader.ReadBytes(len, "VendorID").ToArray();
        var payloadLength = reader.ReadUInt16(isRequest ? "ReqLength" : "RespLength");
        var payload = reader.ReadBytes(payloadLength, "VendorDefinedPayload").ToArray();
        return new SpdmVendorDefinedMessage(isRequest, standard, vendor, payload, header.Version);
    }

    public static SpdmVendorDefinedMessage DecodeRequest(ReadOnlySpan<byte> message) =>
        DecodeExact(message, RequestName, (ref WireReader r) => Read(ref r, isRequest: true));

    public static SpdmVendorDefinedMessage DecodeResponse(ReadOnlySpan<byte> message) =>
        DecodeExact(message, ResponseName, (ref WireReader r) => Read(ref r, isRequest: false));
}
