using SevTio.Firmware.DeviceSecurityManager;
using SevTio.Firmware.Spdm;
using SevTio.Protocols.Doe;
using SevTio.Protocols.IdeKm;

namespace SevTio.Firmware.Tests.Support;

/// <summary>
/// A DSM on a fake device, and a relay that does what the host does: wrap the PSP's request in a DOE object, hand it to
/// the mailbox, unwrap the response object. Every exchange is logged; a test may rewrite a response on its way back.
/// </summary>
internal sealed class DsmHarness
{
    private static readonly Lazy<SpdmDeviceIdentity> s_identity = new(() => SpdmDeviceIdentity.Create(new Random(1)));

    public DsmHarness(SpdmDeviceIdentity? identity = null, int maxReportPortion = 1024, int seed = 2)
    {
        Identity = identity ?? s_identity.Value;
        Dsm = new DsmFirmware(new DsmFirmwareOptions
        {
            Identity = Identity,
            Measurements = Measurements,
            Random = new Random(seed),
            KeySlots = Device,
            Port = new IdeKmPortIdentity(0x00, 0x01, 0x00),
            ReadIdeCapability = FakeTdispDevice.IdeCapability,
            Functions = [Device],
            MaxReportPortion = maxReportPortion,
        });
    }

    /// <summary>The device identity most tests share (creating one costs a few milliseconds of key generation).</summary>
    public static SpdmDeviceIdentity SharedIdentity => s_identity.Value;

    public SpdmDeviceIdentity Identity { get; }

    public FakeTdispDevice Device { get; } = new();

    public SpdmMeasurementLog Measurements { get; } = SpdmMeasurementLog.CreateDefault();

    public DsmFirmware Dsm { get; }

    public List<(SpdmTransportMessage Request, byte[] Response)> Log { get; } = [];

    /// <summary>Rewrites a response payload (exchange index, payload) before the requester sees it.</summary>
    public Func<int, byte[], byte[]>? Intercept { get; set; }

    public byte[] Relay(SpdmTransportMessage request)
    {
        var response = Dsm.HandleDoeObject(DoeDataObject.Encode(request.Type, request.Payload));
        byte[] payload = [];
        if (response is not null)
        {
            var header = DoeDataObject.Decode(response, out var p);
            Assert.Equal(request.Type, header.DataObjectType);
            payload = p.ToArray();
        }

        if (Intercept is not null)
        {
            payload = Intercept(Log.Count, payload);
        }

        Log.Add((request, payload));
        return payload;
    }

    public SpdmFlowStatus Run(ISpdmRequesterFlow flow)
    {
        while (flow.TryGetNextRequest(out var request))
        {
            flow.Accept(Relay(request));
        }

        return flow.Status;
    }

    public SpdmRequester NewRequester(byte[]? trustedRoot = null, ushort chunk = 1024, byte summaryHashType = 0, int seed = 3) =>
        new(new SpdmRequesterOptions
        {
            TrustedRootCertificate = trustedRoot ?? Identity.RootCertificate,
            Random = new Random(seed),
            CertificateChunkLength = chunk,
            MeasurementSummaryHashType = summaryHashType,
        });

    /// <summary>Runs the SPDM connection and session handshake to the end; asserts success.</summary>
    public SpdmRequester Connect()
    {
        var requester = NewRequester();
        Assert.Equal(SpdmFlowStatus.Completed, Run(requester));
        return requester;
    }

    /// <summary>Connects and keys the default stream: QUERY, 6 KEY_PROG, GO receivers then transmitters.</summary>
    public (SpdmRequester Requester, Dictionary<IdeKmKeyInfo, byte[]> Keys) ConnectAndKey(byte streamId = FakeTdispDevice.DefaultStream)
    {
        var requester = Connect();
        var ideKm = new IdeKmRequester(requester.Session!).Query();
        var keys = new Dictionary<IdeKmKeyInfo, byte[]>();
        var random = new Random(7);
        foreach (var direction in new[] { IdeKmDirection.Receive, IdeKmDirection.Transmit })
        {
            foreach (var sub in new[] { IdeKmSubStream.PostedRequest, IdeKmSubStream.NonPostedRequest, IdeKmSubStream.Completion })
            {
                var info = new IdeKmKeyInfo(0, direction, sub);
                keys[info] = new byte[32];
                random.NextBytes(keys[info]);
                ideKm.KeyProg(streamId, info, keys[info]);
            }
        }

        foreach (var info in keys.Keys.OrderBy(k => k.Direction))
        {
            ideKm.KeySetGo(streamId, info);
        }

        Assert.Equal(SpdmFlowStatus.Completed, Run(ideKm));
        return (requester, keys);
    }
}
