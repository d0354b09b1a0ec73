namespace SevTio.Firmware.DeviceSecurityManager;

/// <summary>
/// What QUERY_RESP reports about the DOE owner's port: Dev/Func (Function number with ARI), Bus and Segment, and the
/// highest port index it represents (0 for an endpoint). The IDE capability copy is read live through a delegate.
/// </summary>
public sealed record IdeKmPortIdentity(byte DevFunc, byte Bus, byte Segment, byte MaxPortIndex = 0);
