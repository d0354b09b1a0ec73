using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>
/// ERROR (0x7F): Param1 = ErrorCode, Param2 = ErrorData, then ExtendedErrorData whose length depends on the code:
/// 4 bytes for ResponseNotReady, 1 for LargeResponse, the rest of the message for VendorDefined, none otherwise.
/// </summary>
public sealed class SpdmErrorResponse : SpdmMessage
{
    public const string Name = "SPDM.ERROR";

    public const int MaxExtendedErrorData = 32;

    public SpdmErrorResponse(SpdmErrorCode errorCode, byte errorData, byte[]? extendedErrorData = null, byte version = SpdmVersion.V12)
        : base(version)
    {
        extendedErrorData ??= [];
        var fixedLength = ExtendedLengthOf(errorCode);
        if (fixedLength >= 0 ? extendedErrorData.Length != fixedLength : extendedErrorData.Length > MaxExtendedErrorData)
        {
            throw new ArgumentException($"{errorCode} carries {(fixedLength >= 0 ? fixedLength.ToString(System.Globalization.CultureInfo.InvariantCulture) : "up to 32")} bytes of extended data", nameof(extendedErrorData));
        }

        ErrorCode = errorCode;
        ErrorData = errorData;
        ExtendedErrorData = extendedErrorData;
    }

    public SpdmErrorCode ErrorCode { get; }

    public byte ErrorData { get; }

    public byte[] ExtendedErrorData { get; }

    public override SpdmRequestResponseCode Code => SpdmRequestResponseCode.Error;

    public override int EncodedLength => SpdmHeader.Size + ExtendedErrorData.Length;

    public override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, (byte)ErrorCode, ErrorData);
        writer.WriteBytes(ExtendedErrorData);
    }

    /// <summary>Extended data length for a code, or -1 when it runs to the end of the message.</summary>
    private static int ExtendedLengthOf(SpdmErrorCode code) => code switch
    {
        SpdmErrorCode.ResponseNotReady => 4,
        SpdmErrorCode.LargeResponse => 1,
        SpdmErrorCode.VendorDefined => -1,
        _ => 0,
    };

    public static SpdmErrorResponse Read(ref WireReader reader)
    {
        var header = SpdmHeader.Read(ref reader, SpdmRequestResponseCode.Error);
        var code = (SpdmErrorCode)header.Param1;
        var fixedLength = ExtendedLengthOf(code);
        if (fixedLength < 0 && reader.Remaining > MaxExtendedErrorData)
        {
            reader.Fail("ExtendedErrorData", $"{reader.Remaining} bytes exceed the 32-byte maximum");
        }

        var ext = reader.ReadBytes(fixedLength >= 0 ? fixedLength : reader.Remaining, "ExtendedErrorData").ToArray();
        return new SpdmErrorResponse(code, header.Param2, ext, header.Version);
    }

    public static SpdmErrorResponse Decode(ReadOnlySpan<byte> message) => DecodeExact(message, Name, Read);
}
