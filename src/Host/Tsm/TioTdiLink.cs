using SevTio.Host.Psp;
using SevTio.Host.Snp;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;

namespace SevTio.Host.Tsm;

/// <summary>
/// One TDI assigned to a guest (the VMM's choice of device and guest routing id): its TDI context once bound, the
/// report the PSP output, which of its pages the host made private MMIO for the guest, and the pages it relays the
/// guest's messages through.
/// </summary>
public sealed class TioTdiLink
{
    internal TioTdiLink(TioDeviceLink device, ushort requesterId, SnpGuest guest, ushort guestRid)
    {
        Device = device;
        RequesterId = requesterId;
        Guest = guest;
        GuestRid = guestRid;
    }

    public TioDeviceLink Device { get; }

    /// <summary>The TDI's host routing id.</summary>
    public ushort RequesterId { get; }

    public SnpGuest Guest { get; }

    /// <summary>The routing id the guest knows the device by (its vBDF), the TDI_BIND guest_device_id.</summary>
    public ushort GuestRid { get; }

    public TdispInterfaceId InterfaceId => TdispInterfaceId.Create(RequesterId);

    /// <summary>The PSP's TDI context, while the TDI exists at the PSP.</summary>
    public FirmwareBuffer? Context { get; internal set; }

    /// <summary>The firmware TDI id handed to the guest in RCX after BIND: the TDI context's page frame.</summary>
    public ulong FirmwareTdiId => Context is null ? 0 : Context.Sla.PhysicalAddress >> 12;

    /// <summary>TDI_BIND (or TDI_REPORT) output: the interface report the host hands the guest.</summary>
    public byte[]? Report { get; internal set; }

    public TdispDeviceInterfaceReport? ParsedReport { get; internal set; }

    /// <summary>Bound at the PSP (TDI_BIND done, TDI_UNBIND not yet).</summary>
    public bool IsBound { get; internal set; }

    /// <summary>Started (RUN) since it was bound.</summary>
    public bool HasRun { get; internal set; }

    /// <summary>TDISP state as the host last read it (TIO_TDI_STATUS).</summary>
    public TsmTdispState LastState { get; internal set; }

    /// <summary>Host pages of the TDI's TEE MMIO that were RMPUPDATEd private to the guest.</summary>
    internal List<ulong> PrivateMmioPages { get; } = [];

    internal ulong RequestPage { get; set; }

    internal ulong ResponsePage { get; set; }

    internal byte[]? PreviousGuestRequest { get; set; }

    internal byte[]? PreviousGuestResponse { get; set; }
}
