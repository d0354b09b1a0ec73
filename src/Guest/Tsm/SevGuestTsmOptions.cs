using SevTio.Protocols.Ghcb;
using SevTio.Protocols.GuestMessages;

namespace SevTio.Guest.Tsm;

/// <summary>Settings of the <c>sev-guest</c> TSM (module parameters of the seed and the model's choices).</summary>
public sealed record SevGuestTsmOptions
{
    /// <summary>Module parameter <c>tsm_enable</c> (default on): register the TSM when the hypervisor advertises TIO.</summary>
    public bool Enable { get; init; } = true;

    /// <summary>msg_version of the TIO messages: V1 (seed: 16-bit guest_device_id) or V2 (later: the firmware TDI id).</summary>
    public TioMessageVersion MessageVersion { get; init; } = TioMessageVersion.V1;

    /// <summary>Module parameter <c>tsm_vtom</c>: the sDTE vTOM in 2 MiB units (seed default 0x7FFFFFFF: all DMA private).</summary>
    public uint VTomUnits { get; init; } = GuestSdteImage.SeedVTomUnits;

    /// <summary>How report ranges are placed in their BARs.</summary>
    public TdispOffsetMode OffsetMode { get; init; } = TdispOffsetMode.RelativeToFirstRange;

    /// <summary>The acceptance policy consulted before accept (null: digests only).</summary>
    public IDeviceAcceptancePolicy? Policy { get; init; }

    /// <summary>Refuse accept when the PSP flags its measurements digest as not valid.</summary>
    public bool RequireMeasurementDigest { get; init; } = true;

    /// <summary>What TIO_MSG_TDI_INFO asks the hypervisor to hand over (RDX); CERTS/MEAS bits are inferred (see <see cref="TioGuestRequestParam"/>).</summary>
    public TioGuestRequestParam TdiInfoParam { get; init; } =
        TioGuestRequestParam.State | TioGuestRequestParam.Report | TioGuestRequestParam.Certificates | TioGuestRequestParam.Measurements;

    /// <summary>Pages of the blob buffer first offered to the hypervisor (the seed's 32 KiB).</summary>
    public long DataBufferPages { get; init; } = TioBlobTable.DefaultBufferSize / 4096;
}
