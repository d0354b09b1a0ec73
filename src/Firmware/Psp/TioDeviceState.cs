namespace SevTio.Firmware.Psp;

/// <summary>
/// Life of a device context. The values are what TIO_DEV_STATUS reports in <c>ctx_state</c>; the encoding is not
/// public, so these numbers are the model's.
/// </summary>
internal enum TioDeviceState : byte
{
    /// <summary>After DEV_CREATE or DEV_DISCONNECT: no SPDM session, no keys.</summary>
    Created = 0,

    /// <summary>DEV_CONNECT is running (SPDM continuation outstanding).</summary>
    Connecting = 1,

    /// <summary>Session established, IDE keys programmed at both ends.</summary>
    Connected = 2,
}
