using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;

namespace SevTio.Firmware.DeviceSecurityManager;

/// <summary>
/// The facts the TDISP responder reads from one TDI's hardware (its function's config space and the DSM port's IDE
/// registers), and the events the hardware raises. The device model in <c>src/Hw</c> implements this; tests use a
/// plain fake.
/// </summary>
public interface ITdispDeviceFunction
{
    /// <summary>The TDI's INTERFACE_ID (FUNCTION_ID: Requester ID, segment).</summary>
    TdispInterfaceId InterfaceId { get; }

    /// <summary>DMA capabilities for INTERFACE_INFO: DMA with/without PASID, ATS, PRS (NoFwUpdate is the firmware's).</summary>
    TdispInterfaceInfo DmaCapabilities { get; }

    /// <summary>DEV_ADDR_WIDTH of TDISP_CAPABILITIES.</summary>
    byte DeviceAddressWidth { get; }

    /// <summary>DEVICE_SPECIFIC_INFO appended to the interface report.</summary>
    ReadOnlyMemory<byte> DeviceSpecificInfo { get; }

    /// <summary>
    /// Config-space ranges beyond the header's BARs, ROM BAR and Command register whose writes change the TDI's
    /// security (for example the MSI-X capability when locked, the IDE capability, Resizable BAR).
    /// </summary>
    IReadOnlyList<TdiConfigRange> SecurityRelevantConfigRanges { get; }

    /// <summary>Memory BARs (and the expansion ROM) as programmed now.</summary>
    IReadOnlyList<TdiBar> ReadBars();

    /// <summary>The MSI-X table and PBA placement, or null without MSI-X.</summary>
    TdiMsixLayout? ReadMsix();

    /// <summary>The IDE Selective Stream registers of <paramref name="streamId"/> at the DSM's port, or null if none.</summary>
    TdiIdeStreamConfig? ReadIdeStream(byte streamId);

    /// <summary>How many Selective streams have the Default Stream bit set.</summary>
    int CountDefaultStreams();

    TdiConfigurationIssues ReadConfigurationIssues();

    /// <summary>Raised by the hardware; the TDISP responder subscribes.</summary>
    event Action<TdiDeviceEvent>? DeviceEvent;
}
