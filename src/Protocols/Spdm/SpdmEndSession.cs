using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>END_SESSION (0xEC): Param1 bit 0 = NegotiatedStateClearingIndicator.</summary>
public sealed class SpdmEndSession : SpdmMessage
{
    public const string Name = "SPDM.END_SESSION";

    public SpdmEndSession(bool clearNegotiatedState = false, byte version = SpdmVersion.V12)
        : base(version) => ClearNegotiatedState = clearNegotiatedState;

    public bool ClearNegotiatedState { get; }

    public override SpdmRequestResponseCode Code => SpdmRequestResponseCode.EndSession;

    public override int EncodedLength => SpdmHeader.Size;

    public override void Write(ref WireWriter writer) => WriteHeader(ref writer, ClearNegotiatedState ? (byte)1 : (byte)0, 0);

    public static SpdmEndSession Read(ref WireReader reader)
    {
        var header = SpdmHeader.Read(ref reader, SpdmRequestResponseCode.EndSession);
        return new SpdmEndSession((header.Param1 & 1) != 0, header.Version);
    }

    public static SpdmEndSession Decode(ReadOnlySpan<byte> message) => DecodeExact(message, Name, Read);
}
