using SevTio.Firmware.DeviceSecurityManager;
using SevTio.Firmware.Tests.Support;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;

namespace SevTio.Firmware.Tests.DeviceSecurityManager;

/// <summary>
/// Every (TDI state, TDISP request) pair against the table of PCIe §11.3 (reference §4.2–4.3): which response or
/// TDISP_ERROR code comes back, and which state the TDI is in afterwards.
/// </summary>
public class TdispStateMachineTests
{
    private const TdiState U = TdiState.ConfigUnlocked;
    private const TdiState L = TdiState.ConfigLocked;
    private const TdiState R = TdiState.Run;
    private const TdiState E = TdiState.Error;
    private const TdispMessageType Err = TdispMessageType.TdispError;

    [Theory]
    // GET_TDISP_VERSION: any state, no change.
    [InlineData(U, 0x81, TdispMessageType.TdispVersion, null, U)]
    [InlineData(L, 0x81, TdispMessageType.TdispVersion, null, L)]
    [InlineData(R, 0x81, TdispMessageType.TdispVersion, null, R)]
    [InlineData(E, 0x81, TdispMessageType.TdispVersion, null, E)]
    // GET_TDISP_CAPABILITIES: any state.
    [InlineData(U, 0x82, TdispMessageType.TdispCapabilities, null, U)]
    [InlineData(L, 0x82, TdispMessageType.TdispCapabilities, null, L)]
    [InlineData(R, 0x82, TdispMessageType.TdispCapabilities, null, R)]
    [InlineData(E, 0x82, TdispMessageType.TdispCapabilities, null, E)]
    // LOCK_INTERFACE_REQUEST: only CONFIG_UNLOCKED → CONFIG_LOCKED.
    [InlineData(U, 0x83, TdispMessageType.LockInterfaceResponse, null, L)]
    [InlineData(L, 0x83, Err, TdispErrorCode.InvalidInterfaceState, L)]
    [InlineData(R, 0x83, Err, TdispErrorCode.InvalidInterfaceState, R)]
    [InlineData(E, 0x83, Err, TdispErrorCode.InvalidInterfaceState, E)]
    // GET_DEVICE_INTERFACE_REPORT: CONFIG_LOCKED and RUN.
    [InlineData(U, 0x84, Err, TdispErrorCode.InvalidInterfaceState, U)]
    [InlineData(L, 0x84, TdispMessageType.DeviceInterfaceReport, null, L)]
    [InlineData(R, 0x84, TdispMessageType.DeviceInterfaceReport, null, R)]
    [InlineData(E, 0x84, Err, TdispErrorCode.InvalidInterfaceState, E)]
    // GET_DEVICE_INTERFACE_STATE: any state.
    [InlineData(U, 0x85, TdispMessageType.DeviceInterfaceState, null, U)]
    [InlineData(L, 0x85, TdispMessageType.DeviceInterfaceState, null, L)]
    [InlineData(R, 0x85, TdispMessageType.DeviceInterfaceState, null, R)]
    [InlineData(E, 0x85, TdispMessageType.DeviceInterfaceState, null, E)]
    // START_INTERFACE_REQUEST (with the LOCK nonce): only CONFIG_LOCKED → RUN.
    [InlineData(U, 0x86, Err, TdispErrorCode.InvalidInterfaceState, U)]
    [InlineData(L, 0x86, TdispMessageType.StartInterfaceResponse, null, R)]
    [InlineData(R, 0x86, Err, TdispErrorCode.InvalidInterfaceState, R)]
    [InlineData(E, 0x86, Err, TdispErrorCode.InvalidInterfaceState, E)]
    // STOP_INTERFACE_REQUEST: any state → CONFIG_UNLOCKED.
    [InlineData(U, 0x87, TdispMessageType.StopInterfaceResponse, null, U)]
    [InlineData(L, 0x87, TdispMessageType.StopInterfaceResponse, null, U)]
    [InlineData(R, 0x87, TdispMessageType.StopInterfaceResponse, null, U)]
    [InlineData(E, 0x87, TdispMessageType.StopInterfaceResponse, null, U)]
    // Optional requests not implemented: UNSUPPORTED_REQUEST in every state, no change.
    [InlineData(U, 0x88, Err, TdispErrorCode.UnsupportedRequest, U)]
    [InlineData(R, 0x88, Err, TdispErrorCode.UnsupportedRequest, R)]
    [InlineData(L, 0x88, Err, TdispErrorCode.UnsupportedRequest, L)]
    [InlineData(E, 0x88, Err, TdispErrorCode.UnsupportedRequest, E)]
    [InlineData(U, 0x89, Err, TdispErrorCode.UnsupportedRequest, U)]
    [InlineData(L, 0x89, Err, TdispErrorCode.UnsupportedRequest, L)]
    [InlineData(R, 0x89, Err, TdispErrorCode.UnsupportedRequest, R)]
    [InlineData(E, 0x89, Err, TdispErrorCode.UnsupportedRequest, E)]
    [InlineData(U, 0x8A, Err, TdispErrorCode.UnsupportedRequest, U)]
    [InlineData(L, 0x8A, Err, TdispErrorCode.UnsupportedRequest, L)]
    [InlineData(R, 0x8A, Err, TdispErrorCode.UnsupportedRequest, R)]
    [InlineData(E, 0x8A, Err, TdispErrorCode.UnsupportedRequest, E)]
    [InlineData(U, 0x8B, Err, TdispErrorCode.UnsupportedRequest, U)]
    [InlineData(L, 0x8B, Err, TdispErrorCode.UnsupportedRequest, L)]
    [InlineData(R, 0x8B, Err, TdispErrorCode.UnsupportedRequest, R)]
    [InlineData(E, 0x8B, Err, TdispErrorCode.UnsupportedRequest, E)]
    [InlineData(U, 0x8C, Err, TdispErrorCode.UnsupportedRequest, U)]
    [InlineData(L, 0x8C, Err, TdispErrorCode.UnsupportedRequest, L)]
    [InlineData(R, 0x8C, Err, TdispErrorCode.UnsupportedRequest, R)]
    [InlineData(E, 0x8C, Err, TdispErrorCode.UnsupportedRequest, E)]
    // A code that is no TDISP request.
    [InlineData(U, 0x8D, Err, TdispErrorCode.UnsupportedRequest, U)]
    [InlineData(R, 0x8D, Err, TdispErrorCode.UnsupportedRequest, R)]
    [InlineData(L, 0x80, Err, TdispErrorCode.UnsupportedRequest, L)]
    [InlineData(E, 0x01, Err, TdispErrorCode.UnsupportedRequest, E)]
    public void Request_InState_AnswersAndMovesPerTheSpecTable(TdiState state, byte request, TdispMessageType expectedType, TdispErrorCode? expectedError, TdiState expectedNext)
    {
        var bench = new TdispBench();
        bench.DriveTo(state);

        var response = bench.Send(Build(bench, (TdispMessageType)request));

        Assert.Equal(expectedType, response.MessageType);
        Assert.Equal(FakeTdispDevice.Tdi, response.InterfaceId);
        if (expectedError is { } code)
        {
            var error = Assert.IsType<TdispErrorResponse>(response);
            Assert.Equal(code, error.ErrorCode);
            if (code == TdispErrorCode.UnsupportedRequest)
            {
                Assert.Equal(request, error.ErrorData);
            }
        }

        if (response is TdispDeviceInterfaceStateResponse s)
        {
            Assert.Equal(state, s.State);
        }

        Assert.Equal(expectedNext, bench.State);
    }

    private static byte[] Build(TdispBench bench, TdispMessageType type)
    {
        var id = FakeTdispDevice.Tdi;
        TdispMessage? message = type switch
        {
            TdispMessageType.GetTdispVersion or TdispMessageType.GetDeviceInterfaceState or TdispMessageType.StopInterfaceRequest =>
                new TdispHeaderOnlyMessage(type, id),
            TdispMessageType.GetTdispCapabilities => new TdispGetCapabilities(id, 0),
            TdispMessageType.LockInterfaceRequest => bench.LockRequest(),
            TdispMessageType.GetDeviceInterfaceReport => new TdispGetDeviceInterfaceReport(id, 0, TdispGetDeviceInterfaceReport.WholeReport),
            TdispMessageType.StartInterfaceRequest => new TdispNonceMessage(type, id, bench.Nonce ?? new byte[32]),
            TdispMessageType.BindP2pStreamRequest or TdispMessageType.UnbindP2pStreamRequest => new TdispP2pStreamRequest(type, id, 2),
            TdispMessageType.SetMmioAttributeRequest => new TdispSetMmioAttributeRequest(id, new TdispMmioRange(0xF000_0000, 1, TdispMmioRangeAttributes.IsNonTeeMem, 0)),
            TdispMessageType.VdmRequest => new TdispVdmMessage(type, id, 0, [1, 0], [0xAA]),
            TdispMessageType.SetTdispConfigRequest => new TdispSetTdispConfigRequest(id, 1),
            _ => null,
        };
        if (message is not null)
        {
            return message.Encode();
        }

        var raw = new TdispHeaderOnlyMessage(TdispMessageType.GetTdispVersion, id).Encode();
        raw[1] = (byte)type;
        return raw;
    }

    [Fact]
    public void Start_WrongNonce_AnswersInvalidNonceAndStaysLocked()
    {
        var bench = new TdispBench();
        bench.DriveTo(TdiState.ConfigLocked);
        var wrong = bench.Nonce!.ToArray();
        wrong[31] ^= 1;

        var error = Assert.IsType<TdispErrorResponse>(bench.Start(wrong));

        Assert.Equal(TdispErrorCode.InvalidNonce, error.ErrorCode);
        Assert.Equal(TdiState.ConfigLocked, bench.State);
        Assert.IsType<TdispHeaderOnlyMessage>(bench.Start());
        Assert.Equal(TdiState.Run, bench.State);
    }

    [Fact]
    public void Start_NonceOfAnEarlierLock_IsRefused()
    {
        var bench = new TdispBench();
        bench.DriveTo(TdiState.Run);
        var first = bench.Nonce!;
        bench.Send(new TdispHeaderOnlyMessage(TdispMessageType.StopInterfaceRequest, FakeTdispDevice.Tdi));
        bench.Lock();

        Assert.NotEqual(first, bench.Nonce);
        Assert.Equal(TdispErrorCode.InvalidNonce, Assert.IsType<TdispErrorResponse>(bench.Start(first)).ErrorCode);
    }

    [Fact]
    public void Stop_FromError_ReturnsToUnlockedAndAllowsANewLock()
    {
        var bench = new TdispBench();
        bench.DriveTo(TdiState.Error);

        bench.Send(new TdispHeaderOnlyMessage(TdispMessageType.StopInterfaceRequest, FakeTdispDevice.Tdi));

        Assert.Equal(TdiState.ConfigUnlocked, bench.State);
        Assert.IsType<TdispNonceMessage>(bench.Lock());
        Assert.Equal(
            [TdiState.ConfigLocked, TdiState.Run, TdiState.Error, TdiState.ConfigUnlocked, TdiState.ConfigLocked],
            bench.Changes.Select(c => c.To));
    }

    [Fact]
    public void Request_WrongVersion_AnswersVersionMismatch()
    {
        var bench = new TdispBench();
        var request = new TdispHeaderOnlyMessage(TdispMessageType.GetTdispVersion, FakeTdispDevice.Tdi, 0x11).Encode();

        var error = Assert.IsType<TdispErrorResponse>(bench.Send(request));

        Assert.Equal(TdispErrorCode.VersionMismatch, error.ErrorCode);
    }

    [Fact]
    public void Request_UnknownInterface_AnswersInvalidInterface()
    {
        var bench = new TdispBench();
        var other = TdispInterfaceId.Create(0x0200);

        var error = Assert.IsType<TdispErrorResponse>(bench.Send(new TdispHeaderOnlyMessage(TdispMessageType.GetDeviceInterfaceState, other)));

        Assert.Equal(TdispErrorCode.InvalidInterface, error.ErrorCode);
        Assert.Equal(other, error.InterfaceId);
    }

    [Fact]
    public void Request_WrongLength_AnswersInvalidRequest()
    {
        var bench = new TdispBench();
        var lockRequest = bench.LockRequest().Encode();

        var error = Assert.IsType<TdispErrorResponse>(bench.Send(lockRequest[..^1]));

        Assert.Equal(TdispErrorCode.InvalidRequest, error.ErrorCode);
        Assert.Equal(TdiState.ConfigUnlocked, bench.State);
    }

    [Fact]
    public void Request_OutsideSessionOrShorterThanHeader_GetsNoAnswer()
    {
        var bench = new TdispBench();

        Assert.Null(bench.Tdisp.Handle(null, bench.LockRequest().Encode()));
        Assert.Null(bench.Tdisp.Handle(TdispBench.Session, new byte[15]));
        Assert.Equal(TdiState.ConfigUnlocked, bench.State);
    }

    [Fact]
    public void Capabilities_ListsTheImplementedRequestsAndLockFlags()
    {
        var caps = Assert.IsType<TdispCapabilitiesResponse>(new TdispBench().Send(new TdispGetCapabilities(FakeTdispDevice.Tdi, 0)));

        Assert.All(Enumerable.Range(0x81, 7), c => Assert.True(caps.Supports((TdispMessageType)c)));
        Assert.All(Enumerable.Range(0x88, 5), c => Assert.False(caps.Supports((TdispMessageType)c)));
        Assert.Equal(0, (int)(caps.LockInterfaceFlagsSupported & TdispLockFlags.BindP2p));
        Assert.Equal(52, caps.DeviceAddressWidth);
    }
}
