using SevTio.Hw.Device;
using SevTio.Hw.Ide;
using SevTio.Hw.Iommu;
using SevTio.Hw.Pcie;
using SevTio.Hw.Rmp;
using SevTio.Hw.Platform;

namespace SevTio.TestSupport.HwOnly;

/// <summary>
/// A Hw-only bring-up for hardware tests and benchmarks (no firmware, host or guest kernel): in one clearly named step it
/// leaves the platform in the state the real flow would — PSP, hypervisor and guest each doing their part — so DMA
/// can run. The product runs the real trust flow instead (SevTio.Cli.Platform.TioPlatform); this stays a test fixture so
/// the Hw layer can be tested on its own.
/// </summary>
/// <remarks>
/// With IDE (the SEV-TIO path):
/// <list type="number">
/// <item>The hypervisor enumerates the device: BARs, Memory Space and Bus Master Enable, MPS/MRRS, MSI-X vector 0
/// to the interrupt window.</item>
/// <item>The guest (ASID 1) gets the control area and the DMA window: RMPUPDATE to guest-owned, the nested mapping,
/// PVALIDATE (what SNP launch and the guest's accept do).</item>
/// <item>IDE_KM: stream 1 configured as the default stream at both ports, keys from the seed programmed for every
/// sub-stream and direction, receivers GO before transmitters, then Enable (Secure).</item>
/// <item>TDISP: the TDI is LOCKed and STARTed on stream 1 (BAR 0 reported as TEE MMIO); SDTE_WRITE binds the TDI to
/// the guest (ASID, vTOM = 1 TiB) so T=1 DMA below vTOM reaches its private pages.</item>
/// <item>The guest's driver programs the DMA engine's ring (T=1 MMIO) and enables it.</item>
/// </list>
/// Without IDE (<c>ide.enabled=false</c>) the device stays CONFIG_UNLOCKED and DMA is ordinary T=0 DMA into shared
/// pages, through host I/O page tables (or passthrough with <c>iommu.enabled=false</c>).
/// </remarks>
internal static class HwOnlyBringUp
{
    public const int GuestAsid = 1;
    public const byte StreamId = 1;
    public const ushort DomainId = 1;
    public const int RingEntries = 64;
    public const ulong VTom = 1UL << 40;
    public const ulong RegisterBarAddress = 0xF000_0000;
    public const ulong MsixBarAddress = 0xF010_0000;
    public const ulong MsiAddress = 0xFEE0_0000;
    public const uint MsiData = 0x41;

    public static GuestContext Run(SevTioPlatform platform)
    {
        ArgumentNullException.ThrowIfNull(platform);
        var c = platform.Configuration;
        var device = platform.Device;
        var @private = c.IdeEnabled;

        EnumerateDevice(platform);

        // The guest and its memory.
        platform.Controller.InstallKey(GuestAsid);
        var map = new GuestPhysicalMap(GuestAsid);
        var view = new GuestMemoryView(platform.Controller, platform.Rmp, map);
        MapGuestRange(platform, map, view, SevTioPlatform.ControlAreaBase, SevTioPlatform.ControlAreaBytes, IoPageSize.Size4K, @private);
        MapGuestRange(platform, map, view, SevTioPlatform.DmaWindowBase, platform.WindowBytes, c.PageSize, @private);

        if (@private)
        {
            platform.Iommu.AttachGuest(map);
            ProgramIde(platform);

            var sdte = default(SecureDeviceTableEntry);
            sdte.Valid = true;
            sdte.Read = true;
            sdte.Write = true;
            sdte.Asid = GuestAsid;
            sdte.Vmpl = 0;
            sdte.VTomEnable = true;
            sdte.SetVTom(VTom);
            sdte.SetField(SecureDeviceTableEntry.IdeStreamIdField(0), StreamId);
            platform.Iommu.WriteSecureDeviceTableEntry(device.RequesterId, sdte);

            platform.Tdi.SetRun(StreamId, teeBarMask: 1 << TdispDevice.RegisterBar);
        }
        else if (c.IommuEnabled)
        {
            var root = platform.IoPageTables.CreateRoot();
            MapIo(platform, root, SevTioPlatform.ControlAreaBase, SevTioPlatform.ControlAreaBytes, IoPageSize.Size4K);
            MapIo(platform, root, SevTioPlatform.DmaWindowBase, platform.WindowBytes, c.PageSize);
            platform.Iommu.WriteDeviceTableEntry(device.RequesterId, DeviceTableEntry.Translated(DomainId, root));
        }

        device.RefreshTransmitStream();
        var guest = new GuestContext(platform, map, view, @private);

        // The driver programs the ring and enables the engine (T=1 MMIO to the TEE register BAR when the TDI runs).
        guest.WriteRegister(0x14, RingEntries);
        guest.WriteRegister(0x18, (uint)guest.RingGpa);
        guest.WriteRegister(0x1C, (uint)(guest.RingGpa >> 32));
        guest.WriteRegister(0x08, 1);
        return guest;
    }

    private static void EnumerateDevice(SevTioPlatform platform)
    {
        var config = platform.Device.Config;
        config.Write(0x10 + (4 * TdispDevice.RegisterBar), (uint)RegisterBarAddress);
        config.Write(0x14 + (4 * TdispDevice.RegisterBar), (uint)(RegisterBarAddress >> 32));
        config.Write(0x10 + (4 * TdispDevice.MsixBar), (uint)MsixBarAddress);
        config.Write(0x14 + (4 * TdispDevice.MsixBar), (uint)(MsixBarAddress >> 32));
        config.Write(0x04, ConfigSpace.CommandMemorySpaceEnable | ConfigSpace.CommandBusMasterEnable);

        var link = platform.Configuration.Link;
        PcieCapability.ProgramSizes(config, link.MaxPayloadSize, link.MaxReadRequestSize);

        var device = platform.Device;
        device.MmioWrite(MsixBarAddress + TdispDevice.MsixTableOffset, (uint)MsiAddress, teeOriginated: false, streamId: null);
        device.MmioWrite(MsixBarAddress + TdispDevice.MsixTableOffset + 4, (uint)(MsiAddress >> 32), teeOriginated: false, streamId: null);
        device.MmioWrite(MsixBarAddress + TdispDevice.MsixTableOffset + 8, MsiData, teeOriginated: false, streamId: null);
        device.MmioWrite(MsixBarAddress + TdispDevice.MsixTableOffset + 12, 0, teeOriginated: false, streamId: null);
        var msix = config.FindCapability(MsixCapability.CapabilityId);
        config.Write(msix, 1u << 31, byteEnables: 0b1000);
    }

    private static void MapGuestRange(SevTioPlatform platform, GuestPhysicalMap map, GuestMemoryView view, ulong gpa, ulong bytes, IoPageSize pageSize, bool @private)
    {
        var size = pageSize == IoPageSize.Size4K ? RmpPageSize.Size4K : RmpPageSize.Size2M;
        var step = size == RmpPageSize.Size4K ? 4096UL : RmpTable.Size2M;
        for (var offset = 0UL; offset < bytes; offset += step)
        {
            var a = gpa + offset;
            if (@private)
            {
                Check(platform.Rmp.RmpUpdate(a, RmpUpdateState.Guest(GuestAsid, a, size)), "RMPUPDATE", a);
            }

            map.Map(a, a, size);
            if (@private)
            {
                Check(view.Pvalidate(a, size, true).Status, "PVALIDATE", a);
            }
        }
    }

    private static void MapIo(SevTioPlatform platform, ulong root, ulong iova, ulong bytes, IoPageSize size)
    {
        var step = 1UL << (int)size;
        for (var offset = 0UL; offset < bytes; offset += step)
        {
            platform.IoPageTables.Map(root, iova + offset, iova + offset, size);
        }
    }

    /// <summary>IDE_KM's work at both ports: configure stream 1 as the default stream, program and GO keys, enable.</summary>
    private static void ProgramIde(SevTioPlatform platform)
    {
        var c = platform.Configuration;
        var device = platform.Device;
        var root = platform.RootPort;
        var agg = IdeStreamSettings.EncodeAggregation(c.IdeAggregation);
        var control = ((uint)StreamId << 24) | (1u << 22) | (agg << 4) | (agg << 6) | (c.IdePcrc ? 1u << 8 : 0);
        var deviceControl = device.IdeCapabilityOffset + device.Ide.Capability.SelectiveBlockOffset(0) + 4;
        var rootControl = root.IdeCapabilityOffset + root.Ide.Capability.SelectiveBlockOffset(0) + 4;
        device.Config.Write(deviceControl, control);
        root.Config.Write(rootControl, control);

        var keys = new Random(unchecked((int)c.Seed) ^ 0x1DE5);
        Span<byte> up = stackalloc byte[32];
        Span<byte> down = stackalloc byte[32];
        for (var ss = IdeSubstream.Posted; ss <= IdeSubstream.Completion; ss++)
        {
            keys.NextBytes(up);
            keys.NextBytes(down);
            Check(device.Ide.KeyProgram(StreamId, ss, IdeDirection.Transmit, IdeKeySet.K0, up), "KEY_PROG", 0);
            Check(root.Ide.KeyProgram(StreamId, ss, IdeDirection.Receive, IdeKeySet.K0, up), "KEY_PROG", 0);
            Check(root.Ide.KeyProgram(StreamId, ss, IdeDirection.Transmit, IdeKeySet.K0, down), "KEY_PROG", 0);
            Check(device.Ide.KeyProgram(StreamId, ss, IdeDirection.Receive, IdeKeySet.K0, down), "KEY_PROG", 0);
        }

        System.Security.Cryptography.CryptographicOperations.ZeroMemory(up);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(down);
        foreach (var direction in (ReadOnlySpan<IdeDirection>)[IdeDirection.Receive, IdeDirection.Transmit])
        {
            for (var ss = IdeSubstream.Posted; ss <= IdeSubstream.Completion; ss++)
            {
                Check(device.Ide.KeySetGo(StreamId, ss, direction, IdeKeySet.K0), "K_SET_GO", 0);
                Check(root.Ide.KeySetGo(StreamId, ss, direction, IdeKeySet.K0), "K_SET_GO", 0);
            }
        }

        device.Config.Write(deviceControl, control | 1);
        root.Config.Write(rootControl, control | 1);
        if (device.Ide.FindStream(StreamId)?.State != IdeStreamState.Secure || root.Ide.FindStream(StreamId)?.State != IdeStreamState.Secure)
        {
            throw new InvalidOperationException("bring-up: IDE stream did not become Secure");
        }
    }

    private static void Check(RmpStatus status, string what, ulong address)
    {
        if (status is not (RmpStatus.Success or RmpStatus.NoUpdate))
        {
            throw new InvalidOperationException($"bring-up: {what} of 0x{address:X} failed with {status}");
        }
    }

    private static void Check(IdeKeyStatus status, string what, ulong address)
    {
        if (status != IdeKeyStatus.Success)
        {
            throw new InvalidOperationException($"bring-up: {what} failed with {status} ({address})");
        }
    }
}
