using System.Security.Cryptography;
using SevTio.Hw.Device;
using SevTio.Hw.Ide;
using SevTio.Hw.Iommu;
using SevTio.Hw.Memory;
using SevTio.Hw.Pcie;
using SevTio.Hw.Rmp;
using SevTio.Hw.RootComplex;
using SevTio.Hw.Simulation;

namespace SevTio.Cli.Attacks.Support;

/// <summary>
/// The silicon an attack on the link or on DMA needs, composed from Hw types only: 512 MiB of memory with the memory
/// controller, the RMP, the IOMMU (device table, secure device table in firmware pages, event log), a PCIe link, the
/// functional root port (IDE RX → IOMMU → memory), the bound TDISP device (RID 01:00.0, Selective stream 1) and a second
/// device that is connected but bound to nobody (RID 02:00.0, stream 2); guest 1 (ASID 1) with validated private pages
/// and a shared page, and guest 2 (ASID 2) with private pages. IDE keys come from the seed, as IDE_KM would deliver them.
/// </summary>
/// <remarks>
/// Layout (guest physical = system physical, identity-mapped): device table 0x0100_0000, secure device table
/// 0x0140_0000 (firmware pages), event log 0x01A0_0000, RMP 0x0200_0000; guest 1 private pages from
/// <see cref="PrivateBase"/>, guest 2 private pages from <see cref="OtherGuestBase"/>, guest 1's shared pages from
/// <see cref="SharedBase"/>; the sDTE of the bound device has vTOM = <see cref="VTom"/> (256 MiB). What the attacker
/// (the host, or a device on the link) sees: every byte of raw memory and every TLP on the wire, captured in
/// <see cref="Wire"/>.
/// </remarks>
internal sealed class LinkRig : IDisposable
{
    public const ulong MemoryBytes = 512UL << 20;
    public const ulong DeviceTableBase = 0x0100_0000;
    public const ulong SecureDeviceTableBase = 0x0140_0000;
    public const ulong EventLogBase = 0x01A0_0000;
    public const ulong RmpBase = 0x0200_0000;
    public const ulong PrivateBase = 0x0800_0000;
    public const ulong OtherGuestBase = 0x0900_0000;
    public const ulong SharedBase = 0x0A00_0000;
    public const int Pages = 16;
    public const ulong VTom = 0x1000_0000;
    public const int GuestAsid = 1;
    public const int OtherGuestAsid = 2;
    public const ushort DeviceRid = 0x0100;
    public const ushort SecondDeviceRid = 0x0200;
    public const byte StreamId = 1;
    public const byte SecondStreamId = 2;

    private readonly Random _keys;
    private readonly int _aggregation;
    private readonly bool _pcrc;

    public LinkRig(int seed, bool writeSdte = true, int aggregation = 1, bool pcrc = false)
    {
        _aggregation = aggregation;
        _pcrc = pcrc;
        _keys = new Random(seed ^ 0x1DE5);
        Memory = new PhysicalMemory(MemoryBytes);
        var timing = new MemoryTiming();
        Controller = new MemoryController(Memory, timing, new Random(seed));
        Rmp = new RmpTable(Memory, timing, new RmpConfiguration { RmpBase = RmpBase, CoveredBytes = MemoryBytes });
        Iommu = new AmdIommu(Memory, timing, Rmp, new IommuConfiguration
        {
            DeviceTableBase = DeviceTableBase,
            SecureDeviceTableBase = SecureDeviceTableBase,
            EventLogBase = EventLogBase,
        });
        for (var page = SecureDeviceTableBase; page < SecureDeviceTableBase + Iommu.Configuration.SecureDeviceTableBytes; page += 4096)
        {
            Require(Rmp.RmpUpdate(page, RmpUpdateState.Firmware()), page);
        }

        Host = new HostMemoryView(Controller, Rmp);
        Link = new PcieLink(Scheduler, new LinkParameters(), "attack-link");
        var settings = new IdeStreamSettings();
        RootPort = new RootPort(Scheduler, Iommu, Controller, new RootPortSettings
        {
            Functional = true,
            IdeStreams = 2,
            IdeSettings = settings with { PartnerId = DeviceRid },
        });
        RootPort.Attach(Link);
        Link.UpstreamPort.Receiver = new CompletionTap(this);
        Device = new TdispDevice(Scheduler, new DeviceSettings { RequesterId = DeviceRid, IdeSettings = settings with { PartnerId = RootPort.Settings.RequesterId } });
        SecondDevice = new TdispDevice(Scheduler, new DeviceSettings { RequesterId = SecondDeviceRid, IdeSettings = settings with { PartnerId = RootPort.Settings.RequesterId } });

        // Guest 1: private pages (RMPUPDATE, nested mapping, PVALIDATE) and shared pages; guest 2: private pages.
        Controller.InstallKey(GuestAsid);
        Controller.InstallKey(OtherGuestAsid);
        GuestMap = new GuestPhysicalMap(GuestAsid);
        Guest = new GuestMemoryView(Controller, Rmp, GuestMap);
        OtherGuestMap = new GuestPhysicalMap(OtherGuestAsid);
        OtherGuest = new GuestMemoryView(Controller, Rmp, OtherGuestMap);
        for (var i = 0UL; i < Pages; i++)
        {
            AssignPrivate(GuestMap, Guest, GuestAsid, PrivateBase + (i * 4096), PrivateBase + (i * 4096), validate: true);
            AssignPrivate(OtherGuestMap, OtherGuest, OtherGuestAsid, OtherGuestBase + (i * 4096), OtherGuestBase + (i * 4096), validate: true);
            GuestMap.Map(SharedBase + (i * 4096), SharedBase + (i * 4096));
        }

        Iommu.AttachGuest(GuestMap);
        Iommu.AttachGuest(OtherGuestMap);

        // IDE_KM's work: stream 1 between the bound device and the root port, stream 2 for the second device.
        ConnectStream(Device, 0, StreamId, 0);
        ConnectStream(SecondDevice, 0, SecondStreamId, 1);
        if (writeSdte)
        {
            WriteSdte();
        }
    }

    public Scheduler Scheduler { get; } = new();

    public PhysicalMemory Memory { get; }

    public MemoryController Controller { get; }

    public RmpTable Rmp { get; }

    public AmdIommu Iommu { get; }

    public HostMemoryView Host { get; }

    public PcieLink Link { get; }

    public RootPort RootPort { get; }

    public TdispDevice Device { get; }

    public TdispDevice SecondDevice { get; }

    public GuestPhysicalMap GuestMap { get; }

    public GuestMemoryView Guest { get; }

    public GuestPhysicalMap OtherGuestMap { get; }

    public GuestMemoryView OtherGuest { get; }

    /// <summary>Every TLP that crossed the link, both ways, as wire bytes (what a host with a link analyser sees).</summary>
    public List<byte[]> Wire { get; } = [];

    /// <summary>The completions the root port sent toward the device (parsed copies), in order.</summary>
    public List<Tlp> Completions { get; } = [];

    public IdeStream RootStream => RootPort.Ide.FindStream(StreamId)!;

    public IdeStream DeviceStream => Device.Ide.FindStream(StreamId)!;

    /// <summary>SDTE_WRITE as the PSP does it after the guest's accept: V, IR, IW, ASID 1, VMPL 0, vTOM_EN, stream 1 on TC0 (the other TCs unused).</summary>
    public void WriteSdte()
    {
        var sdte = default(SecureDeviceTableEntry);
        sdte.Valid = true;
        sdte.Read = true;
        sdte.Write = true;
        sdte.Asid = GuestAsid;
        sdte.Vmpl = 0;
        sdte.VTomEnable = true;
        sdte.SetVTom(VTom);
        sdte.SetIdeStreamId(0, StreamId);
        for (var tc = 1; tc < 8; tc++)
        {
            sdte.SetIdeStreamId(tc, 0xFF); // unused (sev-tio-stack.md §6)
        }
        Iommu.WriteSecureDeviceTableEntry(DeviceRid, sdte);
    }

    /// <summary>RMPUPDATE of <paramref name="hpa"/> to <paramref name="asid"/> at <paramref name="gpa"/>, the nested mapping, and PVALIDATE if asked.</summary>
    public void AssignPrivate(GuestPhysicalMap map, GuestMemoryView view, int asid, ulong gpa, ulong hpa, bool validate)
    {
        Require(Rmp.RmpUpdate(hpa, RmpUpdateState.Guest(asid, gpa)), hpa);
        map.Map(gpa, hpa);
        if (validate)
        {
            Require(view.Pvalidate(gpa, RmpPageSize.Size4K, true).Status, gpa);
        }
    }

    /// <summary>A memory write from <paramref name="device"/> (the bound one by default), IDE-sealed on its stream with the T bit given, or plain.</summary>
    public Tlp Write(ulong address, ReadOnlySpan<byte> data, bool tee = true, bool ide = true, TdispDevice? device = null, ushort? requesterId = null, int nextPayloadBytes = -1)
    {
        device ??= Device;
        var tlp = new Tlp();
        tlp.Encode(TlpHeader.MemoryWrite(requesterId ?? device.RequesterId, address, data.Length), data);
        if (ide)
        {
            var stream = device.Ide.Streams[0];
            var status = stream.Seal(tlp, nextPayloadBytes, tee);
            if (status != IdeSealStatus.Sealed)
            {
                throw new InvalidOperationException($"attack rig: the device's IDE transmitter answered {status}");
            }
        }

        return tlp;
    }

    /// <summary>A T=1 memory read from the bound device, IDE-sealed on its stream (non-posted: it carries the PR_Sent counter).</summary>
    public Tlp Read(ulong address, int length)
    {
        var tlp = new Tlp();
        tlp.Encode(TlpHeader.MemoryRead(Device.RequesterId, 1, address, length), default);
        var status = Device.Ide.Streams[0].Seal(tlp, -1, teeOriginated: true);
        return status == IdeSealStatus.Sealed ? tlp : throw new InvalidOperationException($"attack rig: the device's IDE transmitter answered {status}");
    }

    /// <summary>A copy of a TLP's wire bytes as a new TLP (what a replaying or reordering host on the link holds).</summary>
    public static Tlp Copy(Tlp tlp)
    {
        var copy = new Tlp();
        copy.Load(tlp.Wire);
        return copy;
    }

    /// <summary>Delivers a TLP to the root port as the link does (recording its wire bytes); a malformed one is reported as the link layer does.</summary>
    public void Deliver(Tlp tlp)
    {
        Wire.Add(tlp.Wire.ToArray());
        try
        {
            tlp.Parse();
        }
        catch (TlpFormatException)
        {
            RootPort.Ide.ReportMalformed(tlp.Wire);
            return;
        }

        ((ILinkReceiver)RootPort).OnTlpReceived(Link.DownstreamPort, tlp);
    }

    /// <summary>Reads guest 1's memory through its own (encrypted) view.</summary>
    public byte[] ReadGuest(ulong gpa, int length, GuestMemoryView? view = null)
    {
        var bytes = new byte[length];
        var result = (view ?? Guest).Read(gpa, bytes);
        return result.Succeeded ? bytes : throw new InvalidOperationException($"attack rig: guest read of 0x{gpa:X}: {result}");
    }

    public void WriteGuest(ulong gpa, ReadOnlySpan<byte> bytes, GuestMemoryView? view = null)
    {
        var result = (view ?? Guest).Write(gpa, bytes);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"attack rig: guest write of 0x{gpa:X}: {result}");
        }
    }

    /// <summary>Raw bytes of a system page (what the host reads: ciphertext for private pages).</summary>
    public byte[] ReadRaw(ulong hpa, int length)
    {
        var bytes = new byte[length];
        Host.Read(hpa, bytes);
        return bytes;
    }

    public List<IommuEvent> DrainEvents() => [.. Iommu.EventLog.Drain()];

    /// <summary>
    /// Where <paramref name="needle"/> appears in what the host can see: every touched page of raw memory (host reads are
    /// not RMP-checked) and every TLP captured on the wire.
    /// </summary>
    public List<string> FindLeaks(ReadOnlySpan<byte> needle)
    {
        var leaks = new List<string>();
        foreach (var address in LeakScan.FindInMemory(Memory, needle))
        {
            leaks.Add($"raw memory at 0x{address:X} (RMP: {Rmp.ReadEntry(address & ~0xFFFUL)})");
        }

        for (var i = 0; i < Wire.Count; i++)
        {
            if (Wire[i].AsSpan().IndexOf(needle) >= 0)
            {
                leaks.Add($"TLP #{i} on the link");
            }
        }

        return leaks;
    }

    /// <summary>Key refresh to K1 on the posted sub-stream, upstream (device TX, root RX), as IDE_KM KEY_PROG/K_SET_GO does it.</summary>
    public void RefreshPostedKey()
    {
        Span<byte> key = stackalloc byte[32];
        _keys.NextBytes(key);
        Require(Device.Ide.KeyProgram(StreamId, IdeSubstream.Posted, IdeDirection.Transmit, IdeKeySet.K1, key));
        Require(RootPort.Ide.KeyProgram(StreamId, IdeSubstream.Posted, IdeDirection.Receive, IdeKeySet.K1, key));
        CryptographicOperations.ZeroMemory(key);
        Require(RootPort.Ide.KeySetGo(StreamId, IdeSubstream.Posted, IdeDirection.Receive, IdeKeySet.K1));
        Require(Device.Ide.KeySetGo(StreamId, IdeSubstream.Posted, IdeDirection.Transmit, IdeKeySet.K1));
    }

    public void Dispose()
    {
        Device.Dispose();
        SecondDevice.Dispose();
        RootPort.Dispose();
        Controller.Dispose();
    }

    /// <summary>Configures Selective stream <paramref name="streamId"/> at the device's block 0 and the root port's block <paramref name="rootIndex"/>: keys for every sub-stream both ways, receivers GO before transmitters, Enable.</summary>
    private void ConnectStream(TdispDevice device, int deviceIndex, byte streamId, int rootIndex)
    {
        // Control: stream id, Default stream, posted and non-posted aggregation, PCRC (PCIe §7.9.26.5.2).
        var agg = IdeStreamSettings.EncodeAggregation(_aggregation);
        var control = ((uint)streamId << 24) | (1u << 22) | (agg << 4) | (agg << 6) | (_pcrc ? 1u << 8 : 0);
        var deviceControl = device.IdeCapabilityOffset + device.Ide.Capability.SelectiveBlockOffset(deviceIndex) + 4;
        var rootControl = RootPort.IdeCapabilityOffset + RootPort.Ide.Capability.SelectiveBlockOffset(rootIndex) + 4;
        device.Config.Write(deviceControl, control);
        RootPort.Config.Write(rootControl, control);
        Span<byte> up = stackalloc byte[32];
        Span<byte> down = stackalloc byte[32];
        for (var ss = IdeSubstream.Posted; ss <= IdeSubstream.Completion; ss++)
        {
            _keys.NextBytes(up);
            _keys.NextBytes(down);
            Require(device.Ide.KeyProgram(streamId, ss, IdeDirection.Transmit, IdeKeySet.K0, up));
            Require(RootPort.Ide.KeyProgram(streamId, ss, IdeDirection.Receive, IdeKeySet.K0, up));
            Require(RootPort.Ide.KeyProgram(streamId, ss, IdeDirection.Transmit, IdeKeySet.K0, down));
            Require(device.Ide.KeyProgram(streamId, ss, IdeDirection.Receive, IdeKeySet.K0, down));
        }

        CryptographicOperations.ZeroMemory(up);
        CryptographicOperations.ZeroMemory(down);
        foreach (var direction in (ReadOnlySpan<IdeDirection>)[IdeDirection.Receive, IdeDirection.Transmit])
        {
            for (var ss = IdeSubstream.Posted; ss <= IdeSubstream.Completion; ss++)
            {
                Require(device.Ide.KeySetGo(streamId, ss, direction, IdeKeySet.K0));
                Require(RootPort.Ide.KeySetGo(streamId, ss, direction, IdeKeySet.K0));
            }
        }

        device.Config.Write(deviceControl, control | 1);
        RootPort.Config.Write(rootControl, control | 1);
        device.RefreshTransmitStream();
        if (device.Ide.FindStream(streamId)?.State != IdeStreamState.Secure || RootPort.Ide.FindStream(streamId)?.State != IdeStreamState.Secure)
        {
            throw new InvalidOperationException($"attack rig: IDE stream {streamId} did not become Secure");
        }
    }

    /// <summary>The device end of the link: records what the root port sends (completions) as a link analyser would.</summary>
    private sealed class CompletionTap(LinkRig rig) : ILinkReceiver
    {
        public void OnTlpReceived(LinkPort port, Tlp tlp)
        {
            rig.Wire.Add(tlp.Wire.ToArray());
            rig.Completions.Add(Copy(tlp));
            tlp.Release();
        }
    }

    private static void Require(RmpStatus status, ulong address)
    {
        if (status is not (RmpStatus.Success or RmpStatus.NoUpdate))
        {
            throw new InvalidOperationException($"attack rig: RMP operation on 0x{address:X} failed with {status}");
        }
    }

    private static void Require(IdeKeyStatus status)
    {
        if (status != IdeKeyStatus.Success)
        {
            throw new InvalidOperationException($"attack rig: IDE key operation failed with {status}");
        }
    }
}
