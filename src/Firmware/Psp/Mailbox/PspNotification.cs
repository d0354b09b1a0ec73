namespace SevTio.Firmware.Psp.Mailbox;

/// <summary>What the PSP tells the host asynchronously.</summary>
public enum PspNotificationKind
{
    /// <summary>A transmit key of the device's root-port IDE stream reached its counter limit: issue TIO_ROLL_KEY.</summary>
    IdeKeyRefreshRequired,

    /// <summary>The device's root-port IDE stream went Insecure; its TDIs' guests are fenced.</summary>
    IdeStreamInsecure,
}

/// <summary>A PSP notice about one connected device (its routing id, segment and IDE stream).</summary>
public readonly record struct PspNotification(PspNotificationKind Kind, ushort DeviceId, byte Segment, byte StreamId);
