using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tdisp;

/// <summary>
/// TDISP_ERROR (PCIe §11.3.16): ERROR_CODE u32, ERROR_DATA u32, then EXTENDED_ERROR_DATA, present only for
/// VENDOR_SPECIFIC_ERROR (registry u8, vendor id length u8, vendor id, data: the rest of the message).
/// </summary>
public sealed class TdispErrorResponse : TdispMessage
{
    public TdispErrorResponse(TdispInterfaceId interfaceId, TdispErrorCode errorCode, uint errorData, byte[]? extendedErrorData = null, byte version = TdispHeader.Version10)
        : base(interfaceId, version)
    {
        extendedErrorData ??= [];
        if (errorCode != TdispErrorCode.VendorSpecificError && extendedErrorData.Length != 0)
        {
            throw new ArgumentException("only VENDOR_SPECIFIC_ERROR carries extended data", nameof(extendedErrorData));
        }

        ErrorCode = errorCode;
        ErrorData = errorData;
        ExtendedErrorData = extendedErrorData;
    }

    public TdispErrorCode ErrorCode { get; }

    public uint ErrorData { get; }

    public byte[] ExtendedErrorData { get; }

    public override TdispMessageType MessageType => TdispMessageType.TdispError;

    protected override int PayloadLength => 8 + ExtendedErrorData.Length;

    protected override void WritePayload(ref WireWriter writer)
    {
        writer.WriteUInt32((uint)ErrorCode);
        writer.WriteUInt32(ErrorData);
        writer.WriteBytes(ExtendedErrorData);
    }

    internal static TdispErrorResponse ReadPayload(ref WireReader reader, TdispInterfaceId id, byte version)
    {
        var code = (TdispErrorCode)reader.ReadUInt32("ERROR_CODE");
        var data = reader.ReadUInt32("ERROR_DATA");
        var ext = code == TdispErrorCode.VendorSpecificError ? reader.ReadBytes(reader.Remaining, "EXTENDED_ERROR_DATA").ToArray() : [];
        return new TdispErrorResponse(id, code, data, ext, version);
    }
}
