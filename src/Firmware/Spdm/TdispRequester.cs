using SevTio.Protocols.Spdm;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Firmware.Spdm;

/// <summary>
/// The PSP's TDISP requester for one TDI on an established session: a queue of operations (version, capabilities,
/// LOCK, report, state, START, STOP) run one request at a time. LOCK keeps the START_INTERFACE_NONCE for START; the
/// report is fetched in chunks, each offset the sum of the portions so far, and checked for a consistent total before
/// it is parsed. A TDISP_ERROR fails the flow with <see cref="LastError"/> set.
/// </summary>
public sealed class TdispRequester : SpdmSessionFlow
{
    private readonly Queue<Operation> _queue = new();
    private readonly List<byte> _report = [];
    private int _reportTotal = -1;

    public TdispRequester(SpdmSession session, TdispInterfaceId interfaceId, ushort reportChunkLength = 1024)
        : base(session)
    {
        if (reportChunkLength == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(reportChunkLength), "the chunk length must be positive");
        }

        InterfaceId = interfaceId;
        ReportChunkLength = reportChunkLength;
    }

    public TdispInterfaceId InterfaceId { get; }

    public ushort ReportChunkLength { get; }

    public IReadOnlyList<byte>? Versions { get; private set; }

    public TdispCapabilitiesResponse? Capabilities { get; private set; }

    /// <summary>START_INTERFACE_NONCE from the last LOCK_INTERFACE_RESPONSE (used by <see cref="StartInterface"/>).</summary>
    public byte[]? StartInterfaceNonce { get; private set; }

    /// <summary>The reassembled report bytes, and the report parsed from them.</summary>
    public byte[]? InterfaceReportBytes { get; private set; }

    public TdispDeviceInterfaceReport? InterfaceReport { get; private set; }

    /// <summary>TDI state from the last DEVICE_INTERFACE_STATE.</summary>
    public TdiState? TdiState { get; private set; }

    /// <summary>The TDISP_ERROR that failed the flow, if any.</summary>
    public TdispErrorResponse? LastError { get; private set; }

    protected override bool HasWork => _queue.Count > 0;

    public TdispRequester GetVersion() => Enqueue(new Operation(TdispMessageType.GetTdispVersion));

    public TdispRequester GetCapabilities(uint tsmCaps = 0) => Enqueue(new Operation(TdispMessageType.GetTdispCapabilities) { TsmCaps = tsmCaps });

    public TdispRequester LockInterface(TdispLockFlags flags, byte defaultStreamId, ulong mmioReportingOffset, ulong bindP2pAddressMask = 0) =>
        Enqueue(new Operation(TdispMessageType.LockInterfaceRequest)
        {
            Lock = new TdispLockInterfaceRequest(InterfaceId, flags, defaultStreamId, mmioReportingOffset, bindP2pAddressMask),
        });

    public TdispRequester GetDeviceInterfaceReport() => Enqueue(new Operation(TdispMessageType.GetDeviceInterfaceReport));

    public TdispRequester GetDeviceInterfaceState() => Enqueue(new Operation(TdispMessageType.GetDeviceInterfaceState));

    /// <summary>START_INTERFACE with <paramref name="nonce"/>, or with the nonce of the last LOCK when null.</summary>
    public TdispRequester StartInterface(byte[]? nonce = null) =>
        Enqueue(new Operation(TdispMessageType.StartInterfaceRequest) { Nonce = nonce });

    public TdispRequester StopInterface() => Enqueue(new Operation(TdispMessageType.StopInterfaceRequest));

    /// <summary>The SPDM VENDOR_DEFINED_REQUEST carrying a TDISP message.</summary>
    public static byte[] BuildRequest(TdispMessage message) => PciSigVendorDefined.EncodeRequest(PciProtocolId.Tdisp, message.Encode());

    /// <summary>The TDISP message inside an SPDM VENDOR_DEFINED_RESPONSE (format errors name the field).</summary>
    public static TdispMessage ParseResponse(byte[] spdmResponse)
    {
        var vendor = SpdmVendorDefinedMessage.DecodeResponse(spdmResponse);
        var protocol = PciSigVendorDefined.Unwrap(vendor, out var message);
        if (protocol != PciProtocolId.Tdisp)
        {
            throw new ProtocolFormatException("SPDM.VENDOR_DEFINED_RESPONSE.ProtocolID", $"{protocol} is not TDISP");
        }

        return TdispMessage.Decode(message);
    }

    protected override string DescribePending() => $"TDISP {(_queue.Count > 0 ? _queue.Peek().Type : default)}";

    protected override byte[] BuildNextRequest()
    {
        var op = _queue.Peek();
        TdispMessage request = op.Type switch
        {
            TdispMessageType.GetTdispCapabilities => new TdispGetCapabilities(InterfaceId, op.TsmCaps),
            TdispMessageType.LockInterfaceRequest => op.Lock!,
            TdispMessageType.GetDeviceInterfaceReport => new TdispGetDeviceInterfaceReport(InterfaceId, (ushort)_report.Count, ReportChunkLength),
            TdispMessageType.StartInterfaceRequest => new TdispNonceMessage(
                TdispMessageType.StartInterfaceRequest,
                InterfaceId,
                op.Nonce ?? StartInterfaceNonce ?? throw new InvalidOperationException("START_INTERFACE needs the nonce of a LOCK_INTERFACE_RESPONSE")),
            _ => new TdispHeaderOnlyMessage(op.Type, InterfaceId),
        };
        return BuildRequest(request);
    }

    protected override void HandleResponse(byte[] message)
    {
        var op = _queue.Peek();
        var response = ParseResponse(message);
        if (response.InterfaceId != InterfaceId)
        {
            Fail(SpdmFailureReason.UnexpectedResponse, $"response names interface {response.InterfaceId}, expected {InterfaceId}");
            return;
        }

        if (response is TdispErrorResponse error)
        {
            LastError = error;
            Fail(SpdmFailureReason.TdispError, $"TDISP_ERROR {error.ErrorCode} (data 0x{error.ErrorData:X}) to {op.Type}");
            return;
        }

        var done = true;
        switch (op.Type, response)
        {
            case (TdispMessageType.GetTdispVersion, TdispVersionResponse v):
                Versions = v.Versions;
                break;
            case (TdispMessageType.GetTdispCapabilities, TdispCapabilitiesResponse c):
                Capabilities = c;
                break;
            case (TdispMessageType.LockInterfaceRequest, TdispNonceMessage { MessageType: TdispMessageType.LockInterfaceResponse } n):
                StartInterfaceNonce = n.Nonce;
                _report.Clear();
                _reportTotal = -1;
                break;
            case (TdispMessageType.GetDeviceInterfaceReport, TdispDeviceInterfaceReportResponse r):
                done = OnReportPortion(r);
                break;
            case (TdispMessageType.GetDeviceInterfaceState, TdispDeviceInterfaceStateResponse s):
                TdiState = s.State;
                break;
            case (TdispMessageType.StartInterfaceRequest, TdispHeaderOnlyMessage { MessageType: TdispMessageType.StartInterfaceResponse }):
                StartInterfaceNonce = null;
                break;
            case (TdispMessageType.StopInterfaceRequest, TdispHeaderOnlyMessage { MessageType: TdispMessageType.StopInterfaceResponse }):
                StartInterfaceNonce = null;
                break;
            default:
                Fail(SpdmFailureReason.UnexpectedResponse, $"{response.MessageType} does not answer {op.Type}");
                return;
        }

        if (done && Status != SpdmFlowStatus.Failed)
        {
            _queue.Dequeue();
        }
    }

    /// <summary>Adds one portion; true when the report is complete and parsed.</summary>
    private bool OnReportPortion(TdispDeviceInterfaceReportResponse response)
    {
        var offset = _report.Count;
        var portion = response.Portion.Length;
        var total = offset + portion + response.RemainderLength;
        if (portion > ReportChunkLength || (portion == 0 && response.RemainderLength > 0))
        {
            Fail(SpdmFailureReason.UnexpectedResponse, $"report portion of {portion} bytes for a {ReportChunkLength}-byte request with {response.RemainderLength} remaining");
            return false;
        }

        if (_reportTotal >= 0 && total != _reportTotal)
        {
            Fail(SpdmFailureReason.UnexpectedResponse, $"report length changed from {_reportTotal} to {total} between portions");
            return false;
        }

        if (total > ushort.MaxValue)
        {
            Fail(SpdmFailureReason.UnexpectedResponse, $"report of {total} bytes cannot be addressed by a 16-bit offset");
            return false;
        }

        _reportTotal = total;
        _report.AddRange(response.Portion);
        if (response.RemainderLength > 0)
        {
            return false;
        }

        InterfaceReportBytes = [.. _report];
        InterfaceReport = TdispDeviceInterfaceReport.Decode(InterfaceReportBytes);
        _report.Clear();
        _reportTotal = -1;
        return true;
    }

    private TdispRequester Enqueue(Operation operation)
    {
        _queue.Enqueue(operation);
        Resume();
        return this;
    }

    private sealed record Operation(TdispMessageType Type)
    {
        public uint TsmCaps { get; init; }

        public TdispLockInterfaceRequest? Lock { get; init; }

        public byte[]? Nonce { get; init; }
    }
}
