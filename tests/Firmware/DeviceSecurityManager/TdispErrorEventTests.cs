using SevTio.Firmware.DeviceSecurityManager;
using SevTio.Firmware.Tests.Support;
using SevTio.Protocols.Tdisp;

namespace SevTio.Firmware.Tests.DeviceSecurityManager;

/// <summary>The events that force CONFIG_LOCKED/RUN into ERROR (PCIe §11.2.6; reference §4.3), and those that do not.</summary>
public class TdispErrorEventTests
{
    public static TheoryData<string, TdiDeviceEvent, bool> Events => new()
    {
        { "BAR0 write", TdiDeviceEvent.ConfigWrite(0x10, 4, 0xF000_0004, 0xF000_0004), true },
        { "BAR5 byte write", TdiDeviceEvent.ConfigWrite(0x27, 1, 0, 0xFF), true },
        { "ROM BAR write", TdiDeviceEvent.ConfigWrite(0x30, 4, 0, 0xFFFF_F800), true },
        { "Command: Bus Master Enable cleared", TdiDeviceEvent.ConfigWrite(0x04, 2, 0x0006, 0x0002), true },
        { "Command: Memory Space Enable cleared", TdiDeviceEvent.ConfigWrite(0x04, 2, 0x0006, 0x0004), true },
        { "Command/Status dword, BME cleared", TdiDeviceEvent.ConfigWrite(0x04, 4, 0x0010_0006, 0x0010_0002), true },
        { "Command byte 1 write at 0x05", TdiDeviceEvent.ConfigWrite(0x05, 1, 0x00, 0x04), false },
        { "Command: INTx Disable toggled", TdiDeviceEvent.ConfigWrite(0x04, 2, 0x0006, 0x0406), false },
        { "Status RW1C write", TdiDeviceEvent.ConfigWrite(0x06, 2, 0x0010, 0x0010), false },
        { "Interrupt Line", TdiDeviceEvent.ConfigWrite(0x3C, 1, 0x0A, 0x0B), false },
        { "device-named range (MSI-X capability)", TdiDeviceEvent.ConfigWrite(0x102, 2, 0x001F, 0x801F), true },
        { "FLR", TdiDeviceEvent.FunctionLevelReset(), true },
        { "bound stream Insecure", TdiDeviceEvent.IdeStreamInsecure(FakeTdispDevice.DefaultStream), true },
        { "other stream Insecure", TdiDeviceEvent.IdeStreamInsecure(2), false },
        { "RID change", new TdiDeviceEvent(TdiDeviceEventKind.RequesterIdChanged), true },
        { "unrecoverable error", new TdiDeviceEvent(TdiDeviceEventKind.UnrecoverableError), true },
    };

    [Theory]
    [MemberData(nameof(Events))]
    public void Event_WhileRun_ForcesErrorIffSecurityRelevant(string name, TdiDeviceEvent e, bool forcesError)
    {
        var bench = new TdispBench();
        bench.DriveTo(TdiState.Run);

        bench.Device.Raise(e);

        Assert.True(forcesError == (bench.State == TdiState.Error), name);
        if (forcesError)
        {
            var change = bench.Changes[^1];
            Assert.Equal((TdiState.Run, TdiState.Error), (change.From, change.To));
        }
    }

    [Theory]
    [MemberData(nameof(Events))]
    public void Event_WhileLocked_ForcesErrorIffSecurityRelevant(string name, TdiDeviceEvent e, bool forcesError)
    {
        var bench = new TdispBench();
        bench.DriveTo(TdiState.ConfigLocked);

        bench.Device.Raise(e);

        Assert.True(forcesError == (bench.State == TdiState.Error), name);
        if (forcesError)
        {
            Assert.Equal(TdispErrorCode.InvalidInterfaceState, Assert.IsType<TdispErrorResponse>(bench.Start()).ErrorCode);
        }
    }

    [Theory]
    [MemberData(nameof(Events))]
    public void Event_WhileUnlocked_ChangesNothing(string name, TdiDeviceEvent e, bool forcesError)
    {
        _ = forcesError;
        var bench = new TdispBench();

        bench.Device.Raise(e);

        Assert.True(bench.State == TdiState.ConfigUnlocked, name);
        Assert.Empty(bench.Changes);
    }

    [Fact]
    public void ConfigWriteWhileRun_NotifiesTheHardwareWithTheCause()
    {
        var bench = new TdispBench();
        bench.DriveTo(TdiState.Run);
        var seen = new List<TdiStateChange>();
        bench.Tdisp.GetInterface(FakeTdispDevice.Tdi)!.StateChanged += seen.Add;

        bench.Device.Raise(TdiDeviceEvent.ConfigWrite(0x04, 2, 0x0006, 0x0002));

        var change = Assert.Single(seen);
        Assert.Equal(new TdiStateChange(FakeTdispDevice.Tdi, TdiState.Run, TdiState.Error, TdiStateChangeCause.ConfigWrite), change);
        Assert.Equal(FakeTdispDevice.DefaultStream, bench.Tdisp.GetInterface(FakeTdispDevice.Tdi)!.BoundStreamId);
    }
}
