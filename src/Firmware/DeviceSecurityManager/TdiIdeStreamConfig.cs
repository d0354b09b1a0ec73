namespace SevTio.Firmware.DeviceSecurityManager;

/// <summary>The IDE Selective Stream registers of one stream at the DSM's port (Control and Status).</summary>
public readonly record struct TdiIdeStreamConfig(byte StreamId, bool Enabled, bool IsDefault, byte TrafficClass, bool Secure);
