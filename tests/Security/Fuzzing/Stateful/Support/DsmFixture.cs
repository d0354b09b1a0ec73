using System.Reflection;
using System.Security.Cryptography;
using SevTio.Firmware.DeviceSecurityManager;
using SevTio.Firmware.Spdm;
using SevTio.Protocols.Doe;
using SevTio.Protocols.IdeKm;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;

namespace SevTio.Security.Tests.Fuzzing.Stateful.Support;

/// <summary>What the fuzz oracle compares around a rejected input: everything but the sessions' sequence numbers.</summary>
internal sealed record DsmSnapshot(string Connection, string Sessions, string Tdi, string Slots, string Keying)
{
    public string Difference(DsmSnapshot after)
    {
        var parts = new List<string>();
        void Compare(string name, string a, string b)
        {
            if (a != b)
            {
                parts.Add($"{name}: [{a}] became [{b}]");
            }
        }

        Compare("connection", Connection, after.Connection);
        Compare("sessions", Sessions, after.Sessions);
        Compare("TDI", Tdi, after.Tdi);
        Compare("key slots", Slots, after.Slots);
        Compare("IDE_KM keying", Keying, after.Keying);
        return string.Join("; ", parts);
    }
}

/// <summary>
/// A device security manager on a fuzz device, with the PSP's requester driving it through the real flows: a plain
/// fixture stops the SPDM connection at a chosen step; a secured fixture has an established session, the default
/// stream keyed over IDE_KM and the TDI brought to a chosen TDISP state. The fuzz target sends its inputs through
/// <see cref="DsmFirmware.HandleDoeObject"/> and seals in-session inputs with the requester's session.
/// </summary>
internal sealed class DsmFixture : IDisposable
{
    private static readonly Lazy<SpdmDeviceIdentity> s_identity = new(() => SpdmDeviceIdentity.Create(new Random(1)));

    private static readonly FieldInfo s_sessionRequest = typeof(SpdmSession).GetField("_request", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new InvalidOperationException("SpdmSession._request not found: update DsmFixture.Rewind");

    private static readonly FieldInfo s_directionSequence = typeof(SpdmSession).Assembly.GetType("SevTio.Firmware.Spdm.SpdmSecuredDirection")!
        .GetField("_sequenceNumber", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new InvalidOperationException("SpdmSecuredDirection._sequenceNumber not found: update DsmFixture.Rewind");

    private readonly int _seed;

    private DsmFixture(int seed, TdiState target, SpdmRequesterPhase phase)
    {
        _seed = seed;
        Target = target;
        Phase = phase;
        Dsm = new DsmFirmware(new DsmFirmwareOptions
        {
            Identity = s_identity.Value,
            Measurements = SpdmMeasurementLog.CreateDefault(),
            Random = new Random(seed),
            KeySlots = Device,
            Port = new IdeKmPortIdentity(0x00, 0x01, 0x00),
            ReadIdeCapability = IdeCapability,
            Functions = [Device],
        });
    }

    public static SpdmDeviceIdentity Identity => s_identity.Value;

    public FuzzDevice Device { get; } = new();

    public DsmFirmware Dsm { get; }

    public SpdmRequester? Requester { get; private set; }

    /// <summary>The requester's session (handshaking or established), if the fixture has one.</summary>
    public SpdmSession? Session => Requester?.Session;

    /// <summary>For a secured fixture: the TDISP state the TDI is kept in.</summary>
    public TdiState Target { get; }

    /// <summary>For a plain fixture: the requester phase the connection is stopped at.</summary>
    public SpdmRequesterPhase Phase { get; }

    public bool IsSecured => Phase == SpdmRequesterPhase.Established;

    /// <summary>The START_INTERFACE_NONCE of the last LOCK_INTERFACE_RESPONSE (the fuzz target substitutes it into START).</summary>
    public byte[]? StartNonce { get; set; }

    public ITdiSecurityState Tdi => Dsm.Tdisp.GetInterface(FuzzDevice.Tdi)!;

    public static byte[] IdeCapability()
    {
        // Selective IDE, 2 streams, no address blocks: Capability, Control, two 20-byte Selective blocks.
        var cap = new byte[4 + 4 + 20 + 20];
        cap[0] = 0x42;
        cap[2] = 0x01;
        return cap;
    }

    /// <summary>A DSM whose connection stops where a requester in <paramref name="phase"/> would send its next request.</summary>
    public static DsmFixture Plain(SpdmRequesterPhase phase, int seed)
    {
        var fixture = new DsmFixture(seed, TdiState.ConfigUnlocked, phase);
        if (phase != SpdmRequesterPhase.GetVersion)
        {
            fixture.Requester = fixture.NewRequester();
            fixture.RunUntil(fixture.Requester, phase);
        }

        return fixture;
    }

    /// <summary>A DSM with an established session, the default stream keyed, and the TDI in <paramref name="target"/>.</summary>
    public static DsmFixture Secured(TdiState target, int seed)
    {
        var fixture = new DsmFixture(seed, target, SpdmRequesterPhase.Established);
        fixture.Requester = fixture.NewRequester();
        if (fixture.Run(fixture.Requester) != SpdmFlowStatus.Completed)
        {
            throw new InvalidOperationException($"fixture handshake failed: {fixture.Requester.Failure}");
        }

        if (!fixture.Restore())
        {
            throw new InvalidOperationException("fixture did not reach its canonical state");
        }

        return fixture;
    }

    /// <summary>
    /// A DSM with a session in handshake: KEY_EXCHANGE done, FINISH not yet sent. <see cref="FinishMessage"/> is the
    /// FINISH the requester would send (read back from its sealed record under the handshake key), and the requester's
    /// sequence number is rewound so that the fuzz target's FINISH takes its place.
    /// </summary>
    public static DsmFixture Handshaking(int seed)
    {
        var fixture = new DsmFixture(seed, TdiState.ConfigUnlocked, SpdmRequesterPhase.Finish);
        fixture.Requester = fixture.NewRequester();
        fixture.RunUntil(fixture.Requester, SpdmRequesterPhase.Finish);
        fixture.Requester.TryGetNextRequest(out var finish);
        using var direction = new SpdmSecuredDirection(fixture.Session!.HandshakeSecrets.RequestHandshakeSecret);
        if (!direction.TryOpen(SevTio.Protocols.Spdm.SecuredMessageRecord.Decode(finish.Payload, allowDoePadding: false), out var message))
        {
            throw new InvalidOperationException("the requester's FINISH does not open under its own handshake key");
        }

        fixture.FinishMessage = message;
        fixture.RewindRequestSequence();
        return fixture;
    }

    /// <summary>For a handshaking fixture: the FINISH the requester would send.</summary>
    public byte[]? FinishMessage { get; private set; }

    /// <summary>Hands one DOE object to the mailbox and returns what the firmware answers (the whole object), or null.</summary>
    public byte[]? Send(byte[] dataObject) => Dsm.HandleDoeObject(dataObject);

    /// <summary>What the host relay does for the PSP: wrap, hand over, unwrap.</summary>
    public byte[] Relay(SpdmTransportMessage request)
    {
        var response = Dsm.HandleDoeObject(DoeDataObject.Encode(request.Type, request.Payload));
        if (response is null)
        {
            return [];
        }

        DoeDataObject.Decode(response, out var payload);
        return payload.ToArray();
    }

    public SpdmFlowStatus Run(ISpdmRequesterFlow flow)
    {
        while (flow.TryGetNextRequest(out var request))
        {
            flow.Accept(Relay(request));
        }

        return flow.Status;
    }

    /// <summary>
    /// Steps the requester back one request sequence number: the firmware must drop a forged secured record without
    /// advancing its own counter, so after such a drop the requester's next record reuses the number (the probe that
    /// follows shows whether the firmware really stayed put). SpdmSession has no public way to do this; reflection keeps
    /// the production type free of a test-only rewind.
    /// </summary>
    public void RewindRequestSequence()
    {
        var direction = s_sessionRequest.GetValue(Session!)!;
        var sequence = (ulong)s_directionSequence.GetValue(direction)!;
        s_directionSequence.SetValue(direction, sequence - 1);
    }

    public DsmSnapshot Snapshot()
    {
        var spdm = Dsm.Spdm;
        var sessions = string.Join(",", spdm.SessionIds.Order().Select(id => $"{id:X8}{(spdm.IsSessionEstablished(id) ? "+" : "~")}"));
        var tdi = (TdiContext)Tdi;
        var tdiText = $"{tdi.State} stream={tdi.BoundStreamId} flags={tdi.LockFlags} nonce={(tdi.StartNonce is null ? "-" : Convert.ToHexString(tdi.StartNonce))} report={Convert.ToHexString(SHA256.HashData(tdi.Report))[..16]}";
        var keying = string.Join(",", Enumerable.Range(0, 8).Select(s =>
            Dsm.IdeKm.TryGetStreamKeying((byte)s, out var session, out var armed) ? $"{s}:{session:X8}{(armed ? "+" : "~")}" : $"{s}:-"));
        return new DsmSnapshot(spdm.ConnectionState.ToString(), sessions, tdiText, Device.DescribeSlots(), keying);
    }

    /// <summary>Whether the fixture is as it was built (inputs that the firmware accepted may have moved it).</summary>
    public bool IsCanonical()
    {
        if (!IsSecured)
        {
            return Phase switch
            {
                SpdmRequesterPhase.Finish => Session is { } s && Dsm.Spdm.SessionIds.Count == 1 && Dsm.Spdm.SessionIds.Contains(s.SessionId) && !Dsm.Spdm.IsSessionEstablished(s.SessionId),
                _ => Dsm.Spdm.SessionIds.Count == 0 && Dsm.Spdm.ConnectionState == ExpectedConnection(Phase),
            };
        }

        var session = Session!;
        return session.State == SpdmSessionState.Established
            && Dsm.Spdm.SessionIds.Count == 1
            && Dsm.Spdm.IsSessionEstablished(session.SessionId)
            && Device.IsKeyed(FuzzDevice.DefaultStream)
            && Dsm.IdeKm.TryGetStreamKeying(FuzzDevice.DefaultStream, out var keyedBy, out var armed) && keyedBy == session.SessionId && armed
            && Tdi.State == Target
            && (Target != TdiState.ConfigLocked || StartNonce is not null);
    }

    /// <summary>
    /// Brings a secured fixture back to its canonical state through the real flows (re-key the default stream, STOP,
    /// LOCK, START, an error event); false when that is not possible (the session is gone) and the fixture must be rebuilt.
    /// </summary>
    public bool Restore()
    {
        if (!IsSecured)
        {
            return IsCanonical();
        }

        var session = Session!;
        if (session.State != SpdmSessionState.Established || !Dsm.Spdm.IsSessionEstablished(session.SessionId) || Dsm.Spdm.SessionIds.Count != 1)
        {
            return false;
        }

        if (!Device.IsKeyed(FuzzDevice.DefaultStream)
            || !Dsm.IdeKm.TryGetStreamKeying(FuzzDevice.DefaultStream, out var keyedBy, out var armed) || keyedBy != session.SessionId || !armed)
        {
            if (!Key(session))
            {
                return false;
            }
        }

        if (Tdi.State != Target || (Target == TdiState.ConfigLocked && StartNonce is null))
        {
            var tdisp = new TdispRequester(session, FuzzDevice.Tdi).StopInterface();
            if (Target != TdiState.ConfigUnlocked)
            {
                tdisp.LockInterface(TdispLockFlags.NoFirmwareUpdate | TdispLockFlags.LockMsix, FuzzDevice.DefaultStream, 0);
            }

            if (Target is TdiState.Run or TdiState.Error)
            {
                tdisp.StartInterface();
            }

            if (Run(tdisp) != SpdmFlowStatus.Completed)
            {
                return false;
            }

            StartNonce = Target == TdiState.ConfigLocked ? tdisp.StartInterfaceNonce : null;
            if (Target == TdiState.Error)
            {
                // A BAR write while the TDI runs: the hardware reports it and the DSM moves the TDI to ERROR.
                Device.Raise(TdiDeviceEvent.ConfigWrite(0x10, 4, 0xF000_0004, 0xFFFF_FFFF));
            }
        }

        return IsCanonical();
    }

    public void Dispose() => Requester?.Dispose();

    public override string ToString() => IsSecured ? $"secured fixture (TDI {Target})" : $"plain fixture (next {Phase})";

    private bool Key(SpdmSession session)
    {
        var ideKm = new IdeKmRequester(session).Query();
        var random = new Random(_seed + 7);
        var infos = new List<IdeKmKeyInfo>();
        foreach (var direction in new[] { IdeKmDirection.Receive, IdeKmDirection.Transmit })
        {
            foreach (var sub in new[] { IdeKmSubStream.PostedRequest, IdeKmSubStream.NonPostedRequest, IdeKmSubStream.Completion })
            {
                var info = new IdeKmKeyInfo(0, direction, sub);
                var key = new byte[32];
                random.NextBytes(key);
                ideKm.KeyProg(FuzzDevice.DefaultStream, info, key);
                infos.Add(info);
            }
        }

        foreach (var info in infos)
        {
            ideKm.KeySetGo(FuzzDevice.DefaultStream, info);
        }

        var ok = Run(ideKm) == SpdmFlowStatus.Completed;
        Device.ResecureStreams();
        return ok;
    }

    private SpdmRequester NewRequester() => new(new SpdmRequesterOptions
    {
        TrustedRootCertificate = s_identity.Value.RootCertificate,
        Random = new Random(_seed + 3),
    });

    private void RunUntil(SpdmRequester requester, SpdmRequesterPhase phase)
    {
        while (requester.Phase != phase && requester.TryGetNextRequest(out var request))
        {
            requester.Accept(Relay(request));
        }

        if (requester.Phase != phase)
        {
            throw new InvalidOperationException($"the requester stopped in {requester.Phase} ({requester.Failure}), not {phase}");
        }
    }

    private static SpdmResponderConnectionState ExpectedConnection(SpdmRequesterPhase phase) => phase switch
    {
        SpdmRequesterPhase.GetVersion => SpdmResponderConnectionState.NotStarted,
        SpdmRequesterPhase.GetCapabilities => SpdmResponderConnectionState.AfterVersion,
        SpdmRequesterPhase.NegotiateAlgorithms => SpdmResponderConnectionState.AfterCapabilities,
        _ => SpdmResponderConnectionState.Negotiated,
    };
}
