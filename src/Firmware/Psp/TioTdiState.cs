namespace SevTio.Firmware.Psp;

/// <summary>The PSP's view of a TDI's binding (the device holds the TDISP state proper).</summary>
internal enum TioTdiBinding : byte
{
    /// <summary>After TDI_CREATE or TDI_UNBIND.</summary>
    Unbound,

    /// <summary>TDI_BIND done: LOCKED on the device, report fetched, sDTE names the guest.</summary>
    Bound,

    /// <summary>TDI_BIND with RUN_FORCE done: the device accepted START_INTERFACE.</summary>
    Running,
}
