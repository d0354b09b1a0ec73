using SevTio.Firmware.Spdm;
using SevTio.Hw.Ide;
using SevTio.Protocols.Psp;

namespace SevTio.Firmware.Psp;

/// <summary>
/// A device context (DEV_CREATE): which device behind which root port, its SPDM connection, the IDE streams the PSP
/// keyed (and which key set is live), the evidence it holds (certificate chain, measurements), its TDIs, fences per
/// guest ASID, and the one SPDM operation that may be waiting for the host's relay.
/// </summary>
internal sealed class TioDeviceContext
{
    public TioDeviceContext(ulong handle, IReadOnlyList<ulong> pages, IReadOnlyList<ulong> allPages, ushort deviceId, ushort rootPortId, byte segment, IdePort rootPort)
    {
        Handle = handle;
        Pages = pages;
        AllPages = allPages;
        DeviceId = deviceId;
        RootPortId = rootPortId;
        Segment = segment;
        RootPort = rootPort;
    }

    /// <summary>The context SLA's physical address (the scatter page when the context spans pages): its identity.</summary>
    public ulong Handle { get; }

    /// <summary>The context's data pages (the image and the PSP's scrubbing go here).</summary>
    public IReadOnlyList<ulong> Pages { get; }

    /// <summary>Every page of the context, its scatter page included (checked and held).</summary>
    public IReadOnlyList<ulong> AllPages { get; }

    public ushort DeviceId { get; }

    public ushort RootPortId { get; }

    public byte Segment { get; }

    public IdePort RootPort { get; }

    public TioDeviceState State { get; set; } = TioDeviceState.Created;

    public SpdmRequester? Connection { get; set; }

    public byte TrafficClassMask { get; set; }

    public byte CertificateSlot { get; set; }

    public IdeStreamIds StreamIds { get; set; } = IdeStreamIds.AllUnused();

    /// <summary>The key set (0 or 1) in use on every keyed stream.</summary>
    public byte ActiveKeySet { get; set; }

    /// <summary>Key sets programmed at both ends (bit n = set n), so a refresh knows which idle set to stop first.</summary>
    public byte ProgrammedKeySets { get; set; }

    /// <summary>A root-port transmit counter reached its limit and TIO_ROLL_KEY has not run since.</summary>
    public bool KeyRefreshRequired { get; set; }

    public long KeyRefreshes { get; set; }

    /// <summary>The certificate chain in SPDM format (what DEV_CONNECT / DEV_CERTIFICATES output).</summary>
    public byte[]? CertificateChain { get; set; }

    public Sha384Digest CertificatesDigest { get; set; }

    /// <summary>The last signed MEASUREMENTS response (what DEV_MEASUREMENTS outputs).</summary>
    public byte[]? Measurements { get; set; }

    public Sha384Digest MeasurementsDigest { get; set; }

    public TioMeasurementFlags MeasurementFlags { get; set; }

    /// <summary>TDISP version and capabilities were read (once per connection).</summary>
    public bool TdispProbed { get; set; }

    public Dictionary<ulong, TioTdiContext> Tdis { get; } = [];

    public Dictionary<int, AsidFence> Fences { get; } = [];

    public DeviceOperation? Pending { get; set; }

    public AsidFence FenceOf(int asid)
    {
        if (!Fences.TryGetValue(asid, out var fence))
        {
            fence = new AsidFence();
            Fences.Add(asid, fence);
        }

        return fence;
    }

    /// <summary>The IDE stream ids of the traffic classes in the mask.</summary>
    public IEnumerable<byte> KeyedStreams()
    {
        for (var tc = 0; tc < IdeStreamIds.Length; tc++)
        {
            if ((TrafficClassMask & (1 << tc)) != 0)
            {
                yield return StreamIds[tc];
            }
        }
    }
}
