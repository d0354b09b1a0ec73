using SevTio.Protocols.Psp;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;

namespace SevTio.Firmware.Psp;

/// <summary>
/// A TDI context (TDI_CREATE): the interface, the guest it is bound to and the guest's id for it, the lock flags,
/// the START_INTERFACE nonce (PSP-internal: it travels only inside the secured session), the report and its digest.
/// </summary>
internal sealed class TioTdiContext
{
    public TioTdiContext(ulong handle, IReadOnlyList<ulong> pages, IReadOnlyList<ulong> allPages, TioDeviceContext device, TdispInterfaceId interfaceId)
    {
        Handle = handle;
        Pages = pages;
        AllPages = allPages;
        Device = device;
        InterfaceId = interfaceId;
    }

    public ulong Handle { get; }

    /// <summary>The context's data pages.</summary>
    public IReadOnlyList<ulong> Pages { get; }

    /// <summary>Every page of the context, its scatter page included.</summary>
    public IReadOnlyList<ulong> AllPages { get; }

    public TioDeviceContext Device { get; }

    public TdispInterfaceId InterfaceId { get; }

    public TioTdiBinding Binding { get; set; }

    public SnpGuestContext? Guest { get; set; }

    /// <summary>The guest the TDI was last bound to, kept after unbind so the guest's own teardown messages succeed.</summary>
    public SnpGuestContext? PreviousGuest { get; set; }

    public ushort GuestDeviceId { get; set; }

    public TdispLockFlags LockFlags { get; set; }

    public byte[]? StartNonce { get; set; }

    /// <summary>TDISP state as last learned from the device.</summary>
    public TdiState LastState { get; set; } = TdiState.ConfigUnlocked;

    public byte[]? Report { get; set; }

    public TdispDeviceInterfaceReport? ParsedReport { get; set; }

    public Sha384Digest ReportDigest { get; set; }

    public ulong ReportCounter { get; set; }

    /// <summary>The TDI reached RUN while bound to its current or previous guest (unbind then fences the ASID).</summary>
    public bool HasRun { get; set; }
}
