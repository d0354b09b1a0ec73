using SevTio.Guest.Tsm;

namespace SevTio.Guest.Pci;

/// <summary>
/// A PCI function as the guest kernel knows it after enumeration (<c>struct pci_dev</c>): ids, memory BARs with their
/// guest-physical windows, whether it is TEE-IO capable (PCIe Device Capabilities bit 30, <c>PCI_EXP_DEVCAP_TEE</c>),
/// the bound driver, its TSM context and whether it is accepted into the guest's trust boundary
/// (<c>device_cc_accepted</c>).
/// </summary>
public sealed class GuestPciDevice
{
    public const int CommandOffset = 0x04;
    public const uint CommandMemorySpaceEnable = 1u << 1;
    public const uint CommandBusMasterEnable = 1u << 2;
    public const int BarOffset = 0x10;
    public const int BarCount = 6;
    public const byte PciExpressCapabilityId = 0x10;
    public const int DeviceCapabilitiesOffset = 0x04;

    /// <summary><c>PCI_EXP_DEVCAP_TEE</c>: the function supports TDISP.</summary>
    public const uint DeviceCapabilitiesTee = 1u << 30;

    private readonly PciBar[] _bars;
    private readonly IGuestMmio _mmio;
    private readonly List<EncryptedMmioResource> _encrypted = [];

    private GuestPciDevice(PciAddress address, IGuestPciConfigAccess config, IGuestMmio mmio, ushort vendorId, ushort deviceId, uint classCode, PciBar[] bars, bool hasTee)
    {
        Address = address;
        Config = config;
        _mmio = mmio;
        VendorId = vendorId;
        DeviceId = deviceId;
        ClassCode = classCode;
        _bars = bars;
        HasTee = hasTee;
    }

    public PciAddress Address { get; }

    public IGuestPciConfigAccess Config { get; }

    public ushort VendorId { get; }

    public ushort DeviceId { get; }

    /// <summary>The 24-bit class code.</summary>
    public uint ClassCode { get; }

    /// <summary>The implemented memory BARs, by index (a 64-bit BAR takes its low index).</summary>
    public IReadOnlyList<PciBar> Bars => _bars;

    /// <summary>TEE-IO capable: the PCI TSM shows <c>tsm/</c> attributes for it.</summary>
    public bool HasTee { get; }

    /// <summary>The bound driver, or null.</summary>
    public IGuestPciDriver? Driver { get; internal set; }

    /// <summary>The devsec TSM context once locked (<c>pdev-&gt;tsm</c>), else null.</summary>
    public TioDevice? Tsm { get; internal set; }

    /// <summary><c>device_cc_accepted()</c>: DMA goes straight to private memory, MMIO TEE ranges are encrypted.</summary>
    public bool CcAccepted { get; internal set; }

    /// <summary>The "PCI MMIO Encrypted" resources of an accepted device.</summary>
    public IReadOnlyList<EncryptedMmioResource> EncryptedResources => _encrypted;

    /// <summary>The memory-space and bus-master bits of the Command register, as last read.</summary>
    public bool MemorySpaceEnabled => (Config.ReadConfig(CommandOffset) & CommandMemorySpaceEnable) != 0;

    public bool BusMasterEnabled => (Config.ReadConfig(CommandOffset) & CommandBusMasterEnable) != 0;

    /// <summary>The BAR with this index, if implemented.</summary>
    public PciBar? GetBar(int index)
    {
        foreach (var bar in _bars)
        {
            if (bar.Index == index)
            {
                return bar;
            }
        }

        return null;
    }

    /// <summary><c>pci_enable_device_mem()</c>: set Memory Space Enable (the VMM then maps the BARs for the guest).</summary>
    public void EnableMemory() => SetCommandBits(CommandMemorySpaceEnable, true);

    /// <summary><c>pci_set_master()</c> / <c>pci_clear_master()</c>.</summary>
    public void SetBusMaster(bool enable) => SetCommandBits(CommandBusMasterEnable, enable);

    /// <summary>
    /// <c>ioremap()</c> of <paramref name="length"/> bytes at <paramref name="offset"/> in BAR <paramref name="barIndex"/>:
    /// encrypted when the window lies inside a validated TEE range of an accepted device, shared otherwise.
    /// </summary>
    /// <returns>EINVAL for a missing or unassigned BAR, a window outside it, or one that straddles an encrypted
    /// resource (it must be mapped encrypted whole or not at all: IORES_MUST_ENCRYPT).</returns>
    public Errno IoRemap(int barIndex, ulong offset, ulong length, out MmioMapping mapping)
    {
        mapping = default;
        if (GetBar(barIndex) is not { IsAssigned: true } bar || length == 0 || offset > bar.Size || length > bar.Size - offset)
        {
            return Errno.EINVAL;
        }

        var gpa = bar.Address + offset;
        var encrypted = false;
        foreach (var resource in _encrypted)
        {
            if (resource.Contains(gpa, length))
            {
                encrypted = true;
            }
            else if (resource.Overlaps(gpa, length))
            {
                return Errno.EINVAL;
            }
        }

        mapping = new MmioMapping(_mmio, gpa, length, encrypted);
        return Errno.None;
    }

    public override string ToString() => $"{Address} [{VendorId:x4}:{DeviceId:x4}]";

    internal void SetEncryptedResources(IEnumerable<EncryptedMmioResource> resources)
    {
        _encrypted.Clear();
        _encrypted.AddRange(resources);
    }

    /// <summary>
    /// Reads the function's header as the PCI core does at boot: ids, BARs (sized by writing all ones and restoring,
    /// with memory decoding off, as <c>__pci_read_base</c> does), and the TEE bit from the PCI Express capability.
    /// Null when no function answers (vendor id 0xFFFF).
    /// </summary>
    internal static GuestPciDevice? Enumerate(GuestPciFunction function, IGuestMmio mmio)
    {
        var config = function.Config;
        var id = config.ReadConfig(0x00);
        if ((id & 0xFFFF) is 0xFFFF or 0)
        {
            return null;
        }

        var classCode = config.ReadConfig(0x08) >> 8;
        var command = config.ReadConfig(CommandOffset);
        config.WriteConfig(CommandOffset, command & ~(CommandMemorySpaceEnable | CommandBusMasterEnable) & 0xFFFF, 0x3);
        var bars = new List<PciBar>();
        for (var i = 0; i < BarCount; i++)
        {
            var offset = BarOffset + (4 * i);
            var original = config.ReadConfig(offset);
            config.WriteConfig(offset, 0xFFFF_FFFF);
            var mask = config.ReadConfig(offset);
            config.WriteConfig(offset, original);
            if ((mask & 1) != 0 || (mask & ~0xFu) == 0)
            {
                continue; // I/O BAR or not implemented
            }

            var is64 = ((mask >> 1) & 3) == 2 && i < BarCount - 1;
            var address = (ulong)(original & ~0xFu);
            var sizeMask = (ulong)(mask & ~0xFu) | 0xFFFF_FFFF_0000_0000ul;
            if (is64)
            {
                var upperOffset = offset + 4;
                var upper = config.ReadConfig(upperOffset);
                config.WriteConfig(upperOffset, 0xFFFF_FFFF);
                var upperMask = config.ReadConfig(upperOffset);
                config.WriteConfig(upperOffset, upper);
                address |= (ulong)upper << 32;
                sizeMask = (sizeMask & 0xFFFF_FFFF) | ((ulong)upperMask << 32);
            }

            bars.Add(new PciBar(i, address, ~sizeMask + 1, is64, (mask & 0x8) != 0));
            if (is64)
            {
                i++;
            }
        }

        config.WriteConfig(CommandOffset, command & 0xFFFF, 0x3);
        return new GuestPciDevice(function.Address, config, mmio, (ushort)id, (ushort)(id >> 16), classCode, [.. bars], ReadTeeCapable(config));
    }

    private static bool ReadTeeCapable(IGuestPciConfigAccess config)
    {
        if ((config.ReadConfig(CommandOffset) & (1u << 20)) == 0)
        {
            return false; // no capability list
        }

        var offset = (int)(config.ReadConfig(0x34) & 0xFC);
        for (var guard = 0; offset >= 0x40 && guard < 48; guard++)
        {
            var header = config.ReadConfig(offset);
            if ((header & 0xFF) == PciExpressCapabilityId)
            {
                return (config.ReadConfig(offset + DeviceCapabilitiesOffset) & DeviceCapabilitiesTee) != 0;
            }

            offset = (int)((header >> 8) & 0xFC);
        }

        return false;
    }

    private void SetCommandBits(uint bits, bool set)
    {
        var command = Config.ReadConfig(CommandOffset) & 0xFFFF;
        var updated = set ? command | bits : command & ~bits;
        if (updated != command)
        {
            // Byte enables 0x3: touch only the Command half, never the RW1C Status bits above it.
            Config.WriteConfig(CommandOffset, updated, 0x3);
        }
    }
}
