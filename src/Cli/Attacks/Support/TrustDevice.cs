using SevTio.Firmware.DeviceSecurityManager;
using SevTio.Firmware.DeviceSecurityManager.Binding;
using SevTio.Firmware.Spdm;
using SevTio.Hw.Doe;
using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;
using SevTio.Hw.Registers;
using SevTio.Hw.Simulation;
using SevTio.Protocols.IdeKm;
using SevTio.Protocols.Tsm;

namespace SevTio.Cli.Attacks.Support;

/// <summary>
/// The TEE-IO device of the protocol attacks, composed as the firmware and host tests compose theirs: a config space
/// with three BARs (BAR0 64 KiB TEE, BAR2 4 KiB non-TEE doorbell, BAR4 1 MiB TEE) and a PCI Express capability with
/// DevCap bit 30 (TEE-IO), the device-side IDE port, the DSM firmware (SPDM, IDE_KM, TDISP responder) behind a DOE
/// mailbox, and the root port's IDE function with its own config space. The DSM's key slots record every key the
/// device receives (the device is trusted), so an attack can search host-visible bytes for them.
/// </summary>
internal sealed class TrustDevice : IDisposable
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

    public TrustDevice(Scheduler scheduler, SpdmDeviceIdentity identity, int seed)
    {
        Identity = identity;
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
        var pcie = new RegisterBlock("PCIe", 0x10);
        pcie.Define(0x04, "DEVCAP", "Device Capabilities", 1u << 30).WithField(0, 32, FieldAccess.ReadOnly, "DEVCAP", "Device Capabilities");
        Config.AddCapability(0x10, pcie);

        Ide = new IdePort("endpoint");
        IdeCapabilityOffset = Config.AddExtendedCapability(IdeCapability.ExtendedCapabilityId, IdeCapability.CapabilityVersion, Ide.Capability);
        Function = new PcieTdispFunction(Config, Ide, new PcieTdispFunctionOptions
        {
            InterfaceId = TdispInterfaceId.Create(Bdf),
            NonTeeBars = new HashSet<int> { 2 },
            DeviceSpecificInfo = "sevtio-attack-device"u8.ToArray(),
        });
        Keys = new RecordingKeySlots(new IdePortKeySlots(Ide));
        Dsm = new DsmFirmware(new DsmFirmwareOptions
        {
            Identity = Identity,
            Measurements = SpdmMeasurementLog.CreateDefault(),
            Random = new Random(seed),
            KeySlots = Keys,
            Port = new IdeKmPortIdentity(0x00, 0x01, 0x00),
            ReadIdeCapability = ReadIdeCapability,
            Functions = [Function],
        });
        Responder = new DsmDoeResponder(Dsm);
        Doe = new DoeMailbox(Responder, scheduler, default);
        Config.AddExtendedCapability(DoeMailbox.ExtendedCapabilityId, DoeMailbox.CapabilityVersion, Doe);

        RootPort = new IdePort("root-port");
        RootPortConfig = new ConfigSpace(0x1022, 0x14AB, 0x060400);
        RootPortConfig.AddExtendedCapability(IdeCapability.ExtendedCapabilityId, IdeCapability.CapabilityVersion, RootPort.Capability);
    }

    public SpdmDeviceIdentity Identity { get; }

    public ConfigSpace Config { get; }

    public IdePort Ide { get; }

    public int IdeCapabilityOffset { get; }

    public PcieTdispFunction Function { get; }

    public RecordingKeySlots Keys { get; }

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
