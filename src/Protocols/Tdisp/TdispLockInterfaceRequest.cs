using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tdisp;

/// <summary>
/// LOCK_INTERFACE_REQUEST (PCIe §11.3.8): FLAGS u16 (the shared <see cref="TdispLockFlags"/>, 16 bits here), DEFAULT_STREAM_ID u8, reserved u8, MMIO_REPORTING_OFFSET u64
/// (added, two's complement, to every reported MMIO address), BIND_P2P_ADDRESS_MASK u64.
/// </summary>
public sealed class TdispLockInterfaceRequest : TdispMessage
{
    public TdispLockInterfaceRequest(
        TdispInterfaceId interfaceId,
        TdispLockFlags flags,
        byte defaultStreamId,
        ulong mmioReportingOffset,
        ulong bindP2pAddressMask,
        byte version = TdispHeader.Version10)
        : base(interfaceId, version)
    {
        if ((uint)flags > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(flags), flags, "FLAGS is 16 bits on the wire");
        }

        Flags = flags;
        DefaultStreamId = defaultStreamId;
        MmioReportingOffset = mmioReportingOffset;
        BindP2pAddressMask = bindP2pAddressMask;
    }

    public TdispLockFlags Flags { get; }

    public byte DefaultStreamId { get; }

    public ulong MmioReportingOffset { get; }

    public ulong BindP2pAddressMask { get; }

    public override TdispMessageType MessageType => TdispMessageType.LockInterfaceRequest;

    protected override int PayloadLength => 20;

    protected override void WritePayload(ref WireWriter writer)
    {
        writer.WriteUInt16((ushort)Flags);
        writer.WriteByte(DefaultStreamId);
        writer.WriteByte(0);
        writer.WriteUInt64(MmioReportingOffset);
        writer.WriteUInt64(BindP2pAddressMask);
    }

    internal static TdispLockInterfaceRequest ReadPayload(ref WireReader reader, TdispInterfaceId id, byte version)
    {
        var flags = (TdispLockFlags)reader.ReadUInt16("FLAGS");
        var stream = reader.ReadByte("DEFAULT_STREAM_ID");
        reader.Skip(1, "Reserved");
        var offset = reader.ReadUInt64("MMIO_REPORTING_OFFSET");
        var mask = reader.ReadUInt64("BIND_P2P_ADDRESS_MASK");
        return new TdispLockInterfaceRequest(id, flags, stream, offset, mask, version);
    }
}
