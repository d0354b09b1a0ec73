using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tdisp;

/// <summary>
/// TDISP_CAPABILITIES (PCIe §11.3.7): DSM_CAPS u32, REQ_MSGS_SUPPORTED[16] (bit n = request code 0x80 + n),
/// LOCK_INTERFACE_FLAGS_SUPPORTED u16, 3 reserved, DEV_ADDR_WIDTH u8, NUM_REQ_THIS u8, NUM_REQ_ALL u8.
/// </summary>
public sealed class TdispCapabilitiesResponse : TdispMessage
{
    public const int RequestBitmapSize = 16;

    public TdispCapabilitiesResponse(
        TdispInterfaceId interfaceId,
        uint dsmCaps,
        byte[] requestMessagesSupported,
        TdispLockFlags lockInterfaceFlagsSupported,
        byte deviceAddressWidth,
        byte numRequestsThis,
        byte numRequestsAll,
        byte version = TdispHeader.Version10)
        : base(interfaceId, version)
    {
        ArgumentNullException.ThrowIfNull(requestMessagesSupported);
        if (requestMessagesSupported.Length != RequestBitmapSize)
        {
            throw new ArgumentException("REQ_MSGS_SUPPORTED is 16 bytes", nameof(requestMessagesSupported));
        }

        if ((uint)lockInterfaceFlagsSupported > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(lockInterfaceFlagsSupported), lockInterfaceFlagsSupported, "LOCK_INTERFACE_FLAGS_SUPPORTED is 16 bits");
        }

        DsmCaps = dsmCaps;
        RequestMessagesSupported = requestMessagesSupported;
        LockInterfaceFlagsSupported = lockInterfaceFlagsSupported;
        DeviceAddressWidth = deviceAddressWidth;
        NumRequestsThis = numRequestsThis;
        NumRequestsAll = numRequestsAll;
    }

    public uint DsmCaps { get; }

    public byte[] RequestMessagesSupported { get; }

    public TdispLockFlags LockInterfaceFlagsSupported { get; }

    public byte DeviceAddressWidth { get; }

    public byte NumRequestsThis { get; }

    public byte NumRequestsAll { get; }

    public override TdispMessageType MessageType => TdispMessageType.TdispCapabilities;

    protected override int PayloadLength => 28;

    /// <summary>True when REQ_MSGS_SUPPORTED has the bit of <paramref name="request"/>.</summary>
    public bool Supports(TdispMessageType request)
    {
        var bit = (byte)request - 0x80;
        return bit is >= 0 and < 128 && (RequestMessagesSupported[bit >> 3] & (1 << (bit & 7))) != 0;
    }

    /// <summary>Builds REQ_MSGS_SUPPORTED from a list of request codes.</summary>
    public static byte[] RequestBitmap(params TdispMessageType[] requests)
    {
        var bitmap = new byte[RequestBitmapSize];
        foreach (var r in requests)
        {
            var bit = (byte)r - 0x80;
            if (bit is < 0 or >= 128)
            {
                throw new ArgumentException($"{r} is not a request code", nameof(requests));
            }

            bitmap[bit >> 3] |= (byte)(1 << (bit & 7));
        }

        return bitmap;
    }

    protected override void WritePayload(ref WireWriter writer)
    {
        writer.WriteUInt32(DsmCaps);
        writer.WriteBytes(RequestMessagesSupported);
        writer.WriteUInt16((ushort)LockInterfaceFlagsSupported);
        writer.WriteZeros(3);
        writer.WriteByte(DeviceAddressWidth);
        writer.WriteByte(NumRequestsThis);
        writer.WriteByte(NumRequestsAll);
    }

    internal static TdispCapabilitiesResponse ReadPayload(ref WireReader reader, TdispInterfaceId id, byte version)
    {
        var dsmCaps = reader.ReadUInt32("DSM_CAPS");
        var bitmap = reader.ReadBytes(RequestBitmapSize, "REQ_MSGS_SUPPORTED").ToArray();
        var flags = (TdispLockFlags)reader.ReadUInt16("LOCK_INTERFACE_FLAGS_SUPPORTED");
        reader.Skip(3, "Reserved");
        var width = reader.ReadByte("DEV_ADDR_WIDTH");
        var numThis = reader.ReadByte("NUM_REQ_THIS");
        var numAll = reader.ReadByte("NUM_REQ_ALL");
        return new TdispCapabilitiesResponse(id, dsmCaps, bitmap, flags, width, numThis, numAll, version);
    }
}
