namespace SevTio.Guest.Tsm;

/// <summary>The guest's TSM state of one device (the devsec <c>pci_tsm</c> lifecycle).</summary>
public enum TioDeviceState
{
    /// <summary>No TSM context: the device is an ordinary, untrusted device.</summary>
    Unlocked,

    /// <summary>Bound and CONFIG_LOCKED; evidence fetched and checked; waiting for accept.</summary>
    Locked,

    /// <summary>RUN, trusted DMA on, TEE MMIO validated: <c>device_cc_accepted</c>.</summary>
    Accepted,

    /// <summary>Accept failed after RUN and was rolled back; only unlock leaves this state.</summary>
    Error,
}
