using System.Security.Cryptography;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Firmware.DeviceSecurityManager;

/// <summary>
/// The DSM's TDISP 1.0 responder (PCIe Chapter 11) for the TDIs it hosts. State machine per TDI:
/// CONFIG_UNLOCKED → CONFIG_LOCKED (LOCK_INTERFACE, after its checks) → RUN (START_INTERFACE with the nonce made at
/// LOCK) ; STOP_INTERFACE from any state → CONFIG_UNLOCKED ; CONFIG_LOCKED/RUN → ERROR on a security-relevant config
/// write (BARs, ROM BAR, Memory Space or Bus Master Enable, the ranges the device names), FLR, an RID change, an
/// unrecoverable error, or the bound IDE stream going Insecure. The optional P2P, SET_MMIO_ATTRIBUTE, VDM and
/// SET_TDISP_CONFIG requests are answered UNSUPPORTED_REQUEST. Messages outside a secured session get no answer.
/// </summary>
public sealed class TdispResponder
{
    public const byte SupportedVersion = TdispHeader.Version10;

    private const int CommandRegister = 0x04;
    private const uint MemorySpaceEnable = 1u << 1;
    private const uint BusMasterEnable = 1u << 2;
    private static readonly TdiConfigRange s_bars = new(0x10, 0x18);
    private static readonly TdiConfigRange s_expansionRom = new(0x30, 4);

    private static readonly TdispMessageType[] s_supportedRequests =
    [
        TdispMessageType.GetTdispVersion,
        TdispMessageType.GetTdispCapabilities,
        TdispMessageType.LockInterfaceRequest,
        TdispMessageType.GetDeviceInterfaceReport,
        TdispMessageType.GetDeviceInterfaceState,
        TdispMessageType.StartInterfaceRequest,
        TdispMessageType.StopInterfaceRequest,
    ];

    private readonly TdispResponderOptions _options;
    private readonly IdeKmResponder _ideKm;
    private readonly Dictionary<uint, TdiContext> _tdis = [];

    public TdispResponder(IEnumerable<ITdispDeviceFunction> functions, IdeKmResponder ideKm, TdispResponderOptions options)
    {
        ArgumentNullException.ThrowIfNull(functions);
        ArgumentNullException.ThrowIfNull(ideKm);
        ArgumentNullException.ThrowIfNull(options);
        _ideKm = ideKm;
        _options = options;
        foreach (var function in functions)
        {
            var context = new TdiContext(function);
            if (!_tdis.TryAdd(function.InterfaceId.FunctionId, context))
            {
                throw new ArgumentException($"two TDIs with INTERFACE_ID {function.InterfaceId}", nameof(functions));
            }

            function.DeviceEvent += e => OnDeviceEvent(context, e);
        }
    }

    /// <summary>The TDI's state for the device hardware's enforcement, or null if this DSM does not host it.</summary>
    public ITdiSecurityState? GetInterface(TdispInterfaceId interfaceId) =>
        _tdis.TryGetValue(interfaceId.FunctionId, out var context) ? context : null;

    public IEnumerable<ITdiSecurityState> Interfaces => _tdis.Values;

    /// <summary>
    /// Handles one TDISP request (the vendor-defined payload after the Protocol ID). Returns the TDISP response
    /// (possibly TDISP_ERROR), or null for no answer (outside a session, or too short to name an interface).
    /// </summary>
    public byte[]? Handle(uint? sessionId, ReadOnlySpan<byte> message)
    {
        if (sessionId is not { } session || message.Length < TdispHeader.Size)
        {
            return null;
        }

        var header = TdispHeader.Peek(message);
        var id = header.InterfaceId;
        if (header.Version != SupportedVersion)
        {
            return Error(id, TdispErrorCode.VersionMismatch, 0);
        }

        if (!_tdis.TryGetValue(id.FunctionId, out var tdi))
        {
            return Error(id, TdispErrorCode.InvalidInterface, 0);
        }

        if (Array.IndexOf(s_supportedRequests, header.MessageType) < 0)
        {
            return Error(id, TdispErrorCode.UnsupportedRequest, (byte)header.MessageType);
        }

        TdispMessage request;
        try
        {
            request = TdispMessage.Decode(message);
        }
        catch (ProtocolFormatException)
        {
            return Error(id, TdispErrorCode.InvalidRequest, 0);
        }

        return request switch
        {
            TdispHeaderOnlyMessage { MessageType: TdispMessageType.GetTdispVersion } =>
                new TdispVersionResponse(id, [SupportedVersion]).Encode(),
            TdispGetCapabilities => new TdispCapabilitiesResponse(
                id,
                0,
                TdispCapabilitiesResponse.RequestBitmap(s_supportedRequests),
                _options.LockFlagsSupported,
                tdi.Function.DeviceAddressWidth,
                1,
                1).Encode(),
            TdispLockInterfaceRequest lockRequest => OnLock(session, tdi, lockRequest),
            TdispGetDeviceInterfaceReport reportRequest => OnGetReport(tdi, reportRequest),
            TdispHeaderOnlyMessage { MessageType: TdispMessageType.GetDeviceInterfaceState } =>
                new TdispDeviceInterfaceStateResponse(id, tdi.State).Encode(),
            TdispNonceMessage { MessageType: TdispMessageType.StartInterfaceRequest } start => OnStart(tdi, start),
            TdispHeaderOnlyMessage { MessageType: TdispMessageType.StopInterfaceRequest } => OnStop(tdi),
            _ => Error(id, TdispErrorCode.UnsupportedRequest, (byte)header.MessageType),
        };
    }

    private byte[] OnLock(uint session, TdiContext tdi, TdispLockInterfaceRequest request)
    {
        var id = tdi.InterfaceId;
        if (tdi.State != TdiState.ConfigUnlocked)
        {
            return Error(id, TdispErrorCode.InvalidInterfaceState, 0);
        }

        if ((request.Flags & ~_options.LockFlagsSupported) != 0)
        {
            return Error(id, TdispErrorCode.InvalidRequest, 0);
        }

        var function = tdi.Function;
        var bars = function.ReadBars();
        var msix = function.ReadMsix();
        var lockMsix = (request.Flags & TdispLockFlags.LockMsix) != 0;
        if (CheckLockPreconditions(session, function, request.DefaultStreamId, bars, msix, lockMsix) is not null
            || TdiReportLayout.TryLayout(bars, msix, lockMsix, out var ranges) is not null)
        {
            return Error(id, TdispErrorCode.InvalidDeviceConfiguration, 0);
        }

        // LOCK in CONFIG_UNLOCKED: a real device would also finish or abort in-flight work, drain ATS/PRI and lock the
        // default stream's registers here; the model's hardware sees the state change through StateChanged.
        var reported = ranges.Select(r => TdiReportLayout.ToReported(r, bars, request.MmioReportingOffset)).ToArray();
        var info = function.DmaCapabilities & ~TdispInterfaceInfo.NoFwUpdate;
        if ((request.Flags & TdispLockFlags.NoFirmwareUpdate) != 0)
        {
            info |= TdispInterfaceInfo.NoFwUpdate;
        }

        var report = new TdispDeviceInterfaceReport(
            info,
            lockMsix && msix is { } m ? m.MessageControl : (ushort)0,
            0,
            0,
            reported,
            function.DeviceSpecificInfo.ToArray()).Encode();
        var nonce = new byte[TdispNonceMessage.NonceSize];
        _options.Random.NextBytes(nonce);
        tdi.Lock(request.Flags, request.DefaultStreamId, nonce, report, ranges);
        return new TdispNonceMessage(TdispMessageType.LockInterfaceResponse, id, nonce.ToArray()).Encode();
    }

    /// <summary>The LOCK_INTERFACE checks of PCIe §11.3.8 that concern the stream and config; null when all pass.</summary>
    private string? CheckLockPreconditions(uint session, ITdispDeviceFunction function, byte streamId, IReadOnlyList<TdiBar> bars, TdiMsixLayout? msix, bool lockMsix)
    {
        if (function.ReadIdeStream(streamId) is not { IsDefault: true } stream)
        {
            return $"stream {streamId} is not a default stream";
        }

        if (function.CountDefaultStreams() > 1)
        {
            return "more than one stream is marked Default";
        }

        if (stream.TrafficClass != 0)
        {
            return $"the default stream is on TC{stream.TrafficClass}, not TC0";
        }

        if (!_ideKm.TryGetStreamKeying(streamId, out var keyingSession, out var allArmed) || !allArmed)
        {
            return $"stream {streamId} lacks keys on a sub-stream";
        }

        if (keyingSession != session)
        {
            return $"stream {streamId} was keyed on session 0x{keyingSession:X8}, not this one";
        }

        var issues = function.ReadConfigurationIssues();
        if (issues != TdiConfigurationIssues.None)
        {
            return issues.ToString();
        }

        var memory = bars.Where(b => b.Size > 0).ToList();
        for (var i = 0; i < memory.Count; i++)
        {
            for (var j = i + 1; j < memory.Count; j++)
            {
                if (memory[i].Base < memory[j].End && memory[j].Base < memory[i].End)
                {
                    return $"BAR {memory[i].Index} overlaps BAR {memory[j].Index}";
                }
            }
        }

        if (lockMsix && msix is { } m
            && ((m.TableOffset & (TdiReportLayout.PageSize - 1)) != 0 || (m.PbaOffset & (TdiReportLayout.PageSize - 1)) != 0))
        {
            return "the MSI-X table or PBA is not on a 4 KiB boundary";
        }

        return null;
    }

    private byte[] OnGetReport(TdiContext tdi, TdispGetDeviceInterfaceReport request)
    {
        var id = tdi.InterfaceId;
        if (tdi.State is not (TdiState.ConfigLocked or TdiState.Run))
        {
            return Error(id, TdispErrorCode.InvalidInterfaceState, 0);
        }

        var report = tdi.Report;
        if (request.Offset >= report.Length || request.Length == 0)
        {
            return Error(id, TdispErrorCode.InvalidRequest, 0);
        }

        var portion = Math.Min(Math.Min(request.Length, report.Length - request.Offset), _options.MaxReportPortion);
        var remainder = report.Length - request.Offset - portion;
        return new TdispDeviceInterfaceReportResponse(id, report.AsSpan(request.Offset, portion).ToArray(), (ushort)remainder).Encode();
    }

    private static byte[] OnStart(TdiContext tdi, TdispNonceMessage request)
    {
        var id = tdi.InterfaceId;
        if (tdi.State != TdiState.ConfigLocked)
        {
            return Error(id, TdispErrorCode.InvalidInterfaceState, 0);
        }

        if (tdi.StartNonce is null || !CryptographicOperations.FixedTimeEquals(tdi.StartNonce, request.Nonce))
        {
            return Error(id, TdispErrorCode.InvalidNonce, 0);
        }

        tdi.MoveTo(TdiState.Run, TdiStateChangeCause.StartInterface);
        return new TdispHeaderOnlyMessage(TdispMessageType.StartInterfaceResponse, id).Encode();
    }

    private static byte[] OnStop(TdiContext tdi)
    {
        // STOP is legal in every state: abort DMA and interrupts, scrub TDI secrets, back to CONFIG_UNLOCKED.
        tdi.MoveTo(TdiState.ConfigUnlocked, TdiStateChangeCause.StopInterface);
        return new TdispHeaderOnlyMessage(TdispMessageType.StopInterfaceResponse, tdi.InterfaceId).Encode();
    }

    private static void OnDeviceEvent(TdiContext tdi, TdiDeviceEvent e)
    {
        if (tdi.State is not (TdiState.ConfigLocked or TdiState.Run))
        {
            return;
        }

        var cause = e.Kind switch
        {
            TdiDeviceEventKind.ConfigWrite when IsSecurityRelevant(tdi.Function, e) => TdiStateChangeCause.ConfigWrite,
            TdiDeviceEventKind.FunctionLevelReset => TdiStateChangeCause.FunctionLevelReset,
            TdiDeviceEventKind.IdeStreamInsecure when e.StreamId == tdi.BoundStreamId => TdiStateChangeCause.IdeStreamInsecure,
            TdiDeviceEventKind.RequesterIdChanged => TdiStateChangeCause.RequesterIdChanged,
            TdiDeviceEventKind.UnrecoverableError => TdiStateChangeCause.UnrecoverableError,
            _ => (TdiStateChangeCause?)null,
        };
        if (cause is { } c)
        {
            tdi.MoveTo(TdiState.Error, c);
        }
    }

    /// <summary>
    /// A write changes the TDI's configuration or security (PCIe §11.2.6) when it touches a BAR or the ROM BAR,
    /// changes Memory Space Enable or Bus Master Enable in the Command register, or touches a range the device names.
    /// </summary>
    internal static bool IsSecurityRelevant(ITdispDeviceFunction function, TdiDeviceEvent write)
    {
        var offset = write.ConfigOffset;
        var length = write.ConfigLength;
        if (s_bars.Overlaps(offset, length) || s_expansionRom.Overlaps(offset, length))
        {
            return true;
        }

        if (offset <= CommandRegister && CommandRegister < offset + length)
        {
            var shift = 8 * (CommandRegister - offset);
            var changed = (write.OldValue ^ write.NewValue) >> shift;
            if ((changed & (MemorySpaceEnable | BusMasterEnable)) != 0)
            {
                return true;
            }
        }

        foreach (var range in function.SecurityRelevantConfigRanges)
        {
            if (range.Overlaps(offset, length))
            {
                return true;
            }
        }

        return false;
    }

    private static byte[] Error(TdispInterfaceId id, TdispErrorCode code, uint data) =>
        new TdispErrorResponse(id, code, data).Encode();
}
