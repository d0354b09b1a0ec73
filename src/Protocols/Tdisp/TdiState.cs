namespace SevTio.Protocols.Tdisp;

/// <summary>TDI states (PCIe §11.2), as DEVICE_INTERFACE_STATE reports them.</summary>
public enum TdiState : byte
{
    ConfigUnlocked = 0,
    ConfigLocked = 1,
    Run = 2,
    Error = 3,
}
