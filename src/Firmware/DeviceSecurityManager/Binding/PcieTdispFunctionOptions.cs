using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;

namespace SevTio.Firmware.DeviceSecurityManager.Binding;

/// <summary>What a <see cref="PcieTdispFunction"/> needs beyond config space and the IDE port: facts the device designer fixes.</summary>
public sealed class PcieTdispFunctionOptions
{
    /// <summary>The TDI's INTERFACE_ID (its Requester ID and segment).</summary>
    public required TdispInterfaceId InterfaceId { get; init; }

    /// <summary>BAR indices the device designates non-TEE (host-owned, e.g. a doorbell page); reported IS_NON_TEE_MEM.</summary>
    public IReadOnlySet<int> NonTeeBars { get; init; } = new HashSet<int>();

    public TdispInterfaceInfo DmaCapabilities { get; init; } = TdispInterfaceInfo.DmaWithoutPasid;

    public byte DeviceAddressWidth { get; init; } = 52;

    public ReadOnlyMemory<byte> DeviceSpecificInfo { get; init; } = ReadOnlyMemory<byte>.Empty;

    /// <summary>The MSI-X table and PBA, when the function has MSI-X (config space models no MSI-X capability itself).</summary>
    public Func<TdiMsixLayout?>? Msix { get; init; }

    /// <summary>Configuration the firmware cannot see in config space that makes LOCK fail (phantom functions, ReBAR, ...).</summary>
    public Func<TdiConfigurationIssues>? ConfigurationIssues { get; init; }

    /// <summary>Config-space ranges besides BARs, Command and the IDE capability whose writes are security relevant.</summary>
    public IReadOnlyList<TdiConfigRange> ExtraSecurityRelevantRanges { get; init; } = [];
}
