using SevTio.Protocols.Psp;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tsm;

/// <summary>
/// The guest's view of a TDI (seed patch 2, include/linux/pci-tsm.h <c>struct tsm_tdi_status</c>, packed, 76 bytes):
/// status u8 @0, state u8 @1, all_request_redirect u8 @2, bind_p2p u8 @3, lock_msix u8 @4, no_fw_update u8 @5,
/// cache_line_size u16 @6, interface_report_digest[48] @8, intf_report_counter u64 @56, id[12] @64.
/// </summary>
/// <remarks>The u8 flags must be 0 or 1 and the cache line size 64 or 128; anything else is a format error.</remarks>
public readonly record struct TsmTdiStatus(
    TdiBindStatus Status,
    TsmTdispState State,
    bool AllRequestRedirect,
    bool BindP2p,
    bool LockMsix,
    bool NoFirmwareUpdate,
    ushort CacheLineSize,
    Sha384Digest InterfaceReportDigest,
    ulong InterfaceReportCounter,
    TdispInterfaceId InterfaceId)
{
    public const int Size = 76;

    private const string Message = "TSM.tsm_tdi_status";

    /// <summary>The TDISP lock flags this status implies.</summary>
    public TdispLockFlags LockFlags =>
        (NoFirmwareUpdate ? TdispLockFlags.NoFirmwareUpdate : 0) |
        (CacheLineSize == TsmConstants.CacheLine128 ? TdispLockFlags.CacheLineSize128 : 0) |
        (LockMsix ? TdispLockFlags.LockMsix : 0) |
        (BindP2p ? TdispLockFlags.BindP2p : 0) |
        (AllRequestRedirect ? TdispLockFlags.AllRequestRedirect : 0);

    public int Encode(Span<byte> destination)
    {
        if (CacheLineSize is not (TsmConstants.CacheLine64 or TsmConstants.CacheLine128))
        {
            throw new ArgumentOutOfRangeException(nameof(CacheLineSize), CacheLineSize, "64 or 128");
        }

        WireChecks.RequireDestination(destination, Size);
        var writer = new WireWriter(destination[..Size]);
        writer.WriteByte((byte)Status);
        writer.WriteByte((byte)State);
        writer.WriteByte(AllRequestRedirect ? (byte)1 : (byte)0);
        writer.WriteByte(BindP2p ? (byte)1 : (byte)0);
        writer.WriteByte(LockMsix ? (byte)1 : (byte)0);
        writer.WriteByte(NoFirmwareUpdate ? (byte)1 : (byte)0);
        writer.WriteUInt16(CacheLineSize);
        InterfaceReportDigest.CopyTo(writer.Reserve(Sha384Digest.Length));
        writer.WriteUInt64(InterfaceReportCounter);
        InterfaceId.Write(ref writer);
        return Size;
    }

    public static TsmTdiStatus Decode(ReadOnlySpan<byte> source)
    {
        var reader = new WireReader(source, Message);
        var status = reader.ReadByte("status");
        if (status > (byte)TdiBindStatus.Unbound)
        {
            reader.Fail("status", $"{status} is not BOUND, INVALID or UNBOUND");
        }

        var state = reader.ReadByte("state");
        if (state > (byte)TsmTdispState.Error)
        {
            reader.Fail("state", $"{state} is not a TDISP state (0..3)");
        }

        var allRequestRedirect = ReadBool(ref reader, "all_request_redirect");
        var bindP2p = ReadBool(ref reader, "bind_p2p");
        var lockMsix = ReadBool(ref reader, "lock_msix");
        var noFirmwareUpdate = ReadBool(ref reader, "no_fw_update");
        var cacheLineSize = reader.ReadUInt16("cache_line_size");
        if (cacheLineSize is not (TsmConstants.CacheLine64 or TsmConstants.CacheLine128))
        {
            reader.Fail("cache_line_size", $"{cacheLineSize} is neither 64 nor 128");
        }

        var digest = Sha384Digest.FromBytes(reader.ReadBytes(Sha384Digest.Length, "interface_report_digest"));
        var counter = reader.ReadUInt64("intf_report_counter");
        var id = TdispInterfaceId.Read(ref reader, "id");
        reader.ExpectEnd();
        return new TsmTdiStatus((TdiBindStatus)status, (TsmTdispState)state, allRequestRedirect, bindP2p, lockMsix, noFirmwareUpdate, cacheLineSize, digest, counter, id);
    }

    private static bool ReadBool(ref WireReader reader, string field)
    {
        var value = reader.ReadByte(field);
        if (value > 1)
        {
            reader.Fail(field, $"{value} is not 0 or 1");
        }

        return value == 1;
    }
}
