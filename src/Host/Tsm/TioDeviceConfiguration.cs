using SevTio.Protocols.Tsm;

namespace SevTio.Host.Tsm;

/// <summary>Where a TEE-IO device sits and how the host sets up its link (Linux sev-dev-tsm.c choices).</summary>
public sealed record TioDeviceConfiguration
{
    /// <summary>Routing id (BDF) of the device's function 0: the DSM, its DOE mailbox and its IDE capability.</summary>
    public required ushort DeviceId { get; init; }

    public byte Segment { get; init; }

    /// <summary>Routing id of the root port above the device (its IDE capability).</summary>
    public required ushort RootPortBdf { get; init; }

    /// <summary>The root port's Port Number (Link Capabilities), TIO_DEV_CREATE's root_port_id.</summary>
    public required ushort RootPortId { get; init; }

    /// <summary>IDE stream id of TC0 (the host-bridge stream index in Linux).</summary>
    public byte StreamId { get; init; } = 1;

    /// <summary>
    /// Extra Selective IDE Stream Control bits the host sets on both ends with the stream (Tx aggregation modes for
    /// posted requests and completions, bits 5:4 and 7:6; PCRC Enable, bit 8): the platform's <c>ide.aggregation</c>
    /// and <c>ide.pcrc</c>.
    /// </summary>
    public uint IdeControlBits { get; init; }

    /// <summary>Selective stream register block used at the root port and at the device.</summary>
    public int RootPortStreamIndex { get; init; }

    public int DeviceStreamIndex { get; init; }

    /// <summary>TDISP LOCK_INTERFACE flags the host binds with.</summary>
    public TdispLockFlags LockFlags { get; init; } = TdispLockFlags.NoFirmwareUpdate;

    /// <summary>Pages of the output buffer the host starts with; too small a buffer exercises EXPAND_BUFFER_LENGTH_REQUEST.</summary>
    public int OutputPages { get; init; } = 1;

    /// <summary>Pages of the response buffer (the device's largest reply must fit).</summary>
    public int ResponsePages { get; init; } = 4;

    /// <summary>Fetch signed measurements after connecting (TIO_DEV_MEASUREMENTS).</summary>
    public bool FetchMeasurements { get; init; } = true;
}
