using SevTio.Firmware.DeviceSecurityManager;
using SevTio.Firmware.DeviceSecurityManager.Binding;
using SevTio.Firmware.Spdm;
using SevTio.Hw.Doe;
using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;
using SevTio.Hw.Simulation;
using SevTio.Protocols.IdeKm;
using SevTio.Protocols.Tsm;

namespace SevTio.TestSupport;

/// <summary>
/// A TEE-IO device composed from what exists, the way the brief asks until the real device and root port land: a
/// config space with three BARs (BAR0 64 KiB TEE, BAR2 4 KiB non-TEE doorbell, BAR4 1 MiB TEE), the device-side IDE
/// port and its capability, the DSM firmware behind a DOE mailbox (extended capability 0x2E) with the binding
/// adapters, and a root port: its own config space with the root-side IDE port's capability.
/// </summary>
internal sealed class TeeIoTestDevice : IDisposable
{
    public const ushort Bdf = 0x0100;
    public const ushort RootPortBdf = 0x0008;
    public const ushort RootPortId = 1;
    public const ulong Bar0 = 0xF000_0000;
    public const ulong Bar0Size = 0x1_0000;
    public const ulong Bar2 = 0xF010_0000;
    public const ulong Bar4 = 0xF020_0000;
    public const ulong Bar4Size = 0x10_0000;
    public const ulong MmioWindow = 0xF000_0000;
    public const ulong MmioWindowSize = 0x0800_0000;

    private static readonly Lazy<SpdmDeviceIdentity> s_identity = new(() => SpdmDeviceIdentity.Create(new Random(1)));

    public TeeIoTestDevice(Scheduler scheduler, SpdmDeviceIdentity? identity = null, int seed = 5, SimTime doeLatency = default, IdeStreamSettings? ideSettings = null)
    {
        Identity = identity ?? SharedIdentity;
        Config = new ConfigSpace(0x1022, 0x7E10, 0x120000);
        Config.DefineMemoryBar(0, Bar0Size, is64Bit: true, prefetchable: false);
        Config.DefineMemoryBar(2, 0x1000, is64Bit: false, prefetchable: false);
        Config.DefineMemoryBar(4, Bar4Size, is64Bit: true, prefetchable: true);
        Config.Write(0x10, (uint)Bar0);
        Config.Write(0x14, (uint)(Bar0 >> 32));
        Config.Write(0x18, (uint)Bar2);
        Config.Write(0x20, (uint)Bar4);
        Config.Write(0x24, (uint)(Bar4 >> 32));
        Config.Write(0x04, ConfigSpace.CommandMemorySpaceEnable | ConfigSpace.CommandBusMasterEnable);

        Ide = new IdePort("endpoint", settings: ideSettings);
        IdeCapabilityOffset = Config.AddExtendedCapability(IdeCapability.ExtendedCapabilityId, IdeCapability.CapabilityVersion, Ide.Capability);
        Function = new PcieTdispFunction(Config, Ide, new PcieTdispFunctionOptions
        {
            InterfaceId = TdispInterfaceId.Create(Bdf),
            NonTeeBars = new HashSet<int> { 2 },
            DeviceSpecificInfo = "sevtio-test-device"u8.ToArray(),
        });
        Keys = new RecordingKeySlots(new IdePortKeySlots(Ide));
        Measurements = SpdmMeasurementLog.CreateDefault();
        Dsm = new DsmFirmware(new DsmFirmwareOptions
        {
            Identity = Identity,
            Measurements = Measurements,
            Random = new Random(seed),
            KeySlots = Keys,
            Port = new IdeKmPortIdentity(0x00, 0x01, 0x00),
            ReadIdeCapability = ReadIdeCapability,
            Functions = [Function],
            Scheduler = scheduler,
        });
        Responder = new DsmDoeResponder(Dsm);
        Doe = new DoeMailbox(Responder, scheduler, doeLatency);
        DoeCapabilityOffset = Config.AddExtendedCapability(DoeMailbox.ExtendedCapabilityId, DoeMailbox.CapabilityVersion, Doe);

        RootPort = new IdePort("root-port", settings: ideSettings);
        RootPortConfig = new ConfigSpace(0x1022, 0x14AB, 0x060400);
        RootPortConfig.AddExtendedCapability(IdeCapability.ExtendedCapabilityId, IdeCapability.CapabilityVersion, RootPort.Capability);
    }

    /// <summary>The device identity most tests share (key generation costs milliseconds).</summary>
    public static SpdmDeviceIdentity SharedIdentity => s_identity.Value;

    public SpdmDeviceIdentity Identity { get; }

    public ConfigSpace Config { get; }

    public IdePort Ide { get; }

    public int IdeCapabilityOffset { get; }

    public int DoeCapabilityOffset { get; }

    public PcieTdispFunction Function { get; }

    public RecordingKeySlots Keys { get; }

    public SpdmMeasurementLog Measurements { get; }

    public DsmFirmware Dsm { get; }

    public DsmDoeResponder Responder { get; }

    public DoeMailbox Doe { get; }

    public IdePort RootPort { get; }

    public ConfigSpace RootPortConfig { get; }

    public ITdiSecurityState Tdi => Dsm.Tdisp.GetInterface(TdispInterfaceId.Create(Bdf))!;

    public void Dispose()
    {
        Ide.Dispose();
        RootPort.Dispose();
    }

    private byte[] ReadIdeCapability()
    {
        var bytes = new byte[Ide.Capability.Size - 4];
        for (var i = 0; i < bytes.Length; i += 4)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i), Config.Read(IdeCapabilityOffset + 4 + i));
        }

        return bytes;
    }
}

/// <summary>The device's key slots with a tap: records every key the device receives (the device is trusted), so a test can scan host-visible bytes for them.</summary>
internal sealed class RecordingKeySlots(IIdeKeySlots inner) : IIdeKeySlots
{
    public List<byte[]> Keys { get; } = [];

    public IdeKmKpAckStatus ProgramKey(byte streamId, IdeKmSubStream subStream, IdeKmDirection direction, byte keySet, ReadOnlySpan<byte> key, ulong initialCounter)
    {
        Keys.Add(key.ToArray());
        return inner.ProgramKey(streamId, subStream, direction, keySet, key, initialCounter);
    }

    public bool Go(byte streamId, IdeKmSubStream subStream, IdeKmDirection direction, byte keySet) => inner.Go(streamId, subStream, direction, keySet);

    public bool Stop(byte streamId, IdeKmSubStream subStream, IdeKmDirection direction, byte keySet) => inner.Stop(streamId, subStream, direction, keySet);

    public void InvalidateStream(byte streamId) => inner.InvalidateStream(streamId);
}
