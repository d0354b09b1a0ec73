namespace SevTio.Protocols.Psp;

/// <summary>TIO_DEV_DISCONNECT <c>flags</c> (<c>TIO_DEV_DISCONNECT_FLAG_*</c>); bits 31:1 reserved.</summary>
[Flags]
public enum TioDevDisconnectFlags : uint
{
    None = 0,

    /// <summary>Tear down even if the device does not answer (shutdown, or retry after a failure).</summary>
    Force = 1u << 0,
}

/// <summary>TIO_DEV_MEASUREMENTS <c>flags</c> (<c>TIO_DEV_MEAS_FLAG_*</c>); bits 31:1 reserved.</summary>
[Flags]
public enum TioDevMeasurementsFlags : uint
{
    None = 0,

    /// <summary>Request raw bit-stream measurements rather than digests.</summary>
    RawBitstream = 1u << 0,
}

/// <summary>TIO_TDI_UNBIND <c>flags</c> (<c>TIO_TDI_UNBIND_FLAG_*</c>); bits 31:1 reserved.</summary>
[Flags]
public enum TioTdiUnbindFlags : uint
{
    None = 0,

    /// <summary>Unbind even if the device does not answer (host retry path).</summary>
    Force = 1u << 0,
}

/// <summary>TIO_TDI_BIND <c>run_flags</c> (<c>TIO_TDI_BIND_RUN_*</c>); bits 15:1 reserved.</summary>
[Flags]
public enum TioTdiRunFlags : ushort
{
    None = 0,

    /// <summary>RUN_FORCE: move a CONFIG_LOCKED TDI to RUN (TDISP START_INTERFACE).</summary>
    RunForce = 1 << 0,
}
