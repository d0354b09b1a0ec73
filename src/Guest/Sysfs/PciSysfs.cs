using System.Globalization;
using System.Text;
using SevTio.Guest.Pci;
using SevTio.Guest.Tsm;
using SevTio.Protocols.Tsm;

namespace SevTio.Guest.Sysfs;

/// <summary>
/// The sysfs files of the PCI core, the PCI TSM and the TSM class, with the kernel's store semantics
/// (drivers/pci/tsm.c of the devsec series; Documentation/ABI/testing/sysfs-bus-pci):
/// <code>
/// /sys/class/tsm/tsm0/pci_mode                    "devsec"
/// /sys/bus/pci/devices/BDF/{vendor,device,class}
/// /sys/bus/pci/devices/BDF/driver                  name of the bound driver (absent when none; a symlink in Linux)
/// /sys/bus/pci/devices/BDF/tsm/lock               RW: write "tsmN"; reads the lock holder or ""
/// /sys/bus/pci/devices/BDF/tsm/accept             RW: write a true boolean; reads 0/1 (device_cc_accepted)
/// /sys/bus/pci/devices/BDF/tsm/unlock             WO: write the lock holder's name (or "1")
/// /sys/bus/pci/devices/BDF/tsm/{tdisp_state,evidence,policy,report_digest}   RO, model additions
/// /sys/bus/pci/drivers/NAME/{bind,unbind}         WO: write the BDF
/// /proc/iomem                                     BARs and "PCI MMIO Encrypted" resources
/// </code>
/// The <c>tsm/</c> files are visible only while a devsec TSM is registered and the device is TEE-IO capable.
/// </summary>
internal static class PciSysfs
{
    public const string DevicesPath = "/sys/bus/pci/devices";
    public const string DriversPath = "/sys/bus/pci/drivers";

    public static void Populate(GuestKernel kernel)
    {
        var sysfs = kernel.Sysfs;
        var tsm = kernel.Tsm;
        if (tsm is not null)
        {
            sysfs.Add($"/sys/class/tsm/{tsm.Name}/pci_mode", () => SevGuestTsm.PciMode + "\n", null);
        }

        foreach (var device in kernel.Pci.Devices)
        {
            var dir = $"{DevicesPath}/{device.Address}";
            sysfs.Add(dir + "/vendor", () => Hex(device.VendorId, 4), null);
            sysfs.Add(dir + "/device", () => Hex(device.DeviceId, 4), null);
            sysfs.Add(dir + "/class", () => Hex(device.ClassCode, 6), null);
            sysfs.Add(dir + "/driver", () => device.Driver!.Name + "\n", null, () => device.Driver is not null);
            if (tsm is null || !device.HasTee)
            {
                continue;
            }

            sysfs.Add(dir + "/tsm/lock", () => device.Tsm is null ? "\n" : tsm.Name + "\n", value => StoreLock(tsm, device, value));
            sysfs.Add(dir + "/tsm/accept", () => device.CcAccepted ? "1\n" : "0\n", value => StoreAccept(tsm, device, value));
            sysfs.Add(dir + "/tsm/unlock", null, value => StoreUnlock(tsm, device, value));
            sysfs.Add(dir + "/tsm/tdisp_state", () => ShowTdispState(device), null);
            sysfs.Add(dir + "/tsm/evidence", () => (device.Tsm?.Evidence?.Check.ToString() ?? "none") + "\n", null);
            sysfs.Add(dir + "/tsm/policy", () => (device.Tsm?.PolicyVerdict?.ToString() ?? "none") + "\n", null);
            sysfs.Add(dir + "/tsm/report_digest", () => (device.Tsm?.Evidence?.Info.InterfaceReportDigest.ToString() ?? string.Empty) + "\n", null);
        }

        sysfs.Add("/proc/iomem", () => ShowIomem(kernel.Pci), null);
    }

    public static void AddDriver(GuestKernel kernel, IGuestPciDriver driver)
    {
        var dir = $"{DriversPath}/{driver.Name}";
        kernel.Sysfs.Add(dir + "/bind", null, value => Find(kernel.Pci, value) is { } device ? kernel.Pci.Bind(driver, device) : Errno.ENODEV);
        kernel.Sysfs.Add(dir + "/unbind", null, value => Find(kernel.Pci, value) is { } device && device.Driver == driver ? kernel.Pci.Unbind(device) : Errno.ENODEV);
    }

    /// <summary>lock_store: "tsm%d" or EINVAL; already locked EBUSY; not a devsec TSM ENXIO; then the TSM's own checks.</summary>
    private static Errno StoreLock(SevGuestTsm tsm, GuestPciDevice device, string value)
    {
        if (!SysfsText.TryParseTsmName(value, out _))
        {
            return Errno.EINVAL;
        }

        if (device.Tsm is not null)
        {
            return Errno.EBUSY;
        }

        return SysfsText.StringEquals(value, tsm.Name) ? tsm.Lock(device) : Errno.ENXIO;
    }

    /// <summary>accept_store: a kstrtobool value; false is EINVAL (there is no "unaccept").</summary>
    private static Errno StoreAccept(SevGuestTsm tsm, GuestPciDevice device, string value)
    {
        if (!SysfsText.TryParseBool(value, out var accept) || !accept)
        {
            return Errno.EINVAL;
        }

        return tsm.Accept(device);
    }

    /// <summary>unlock_store: the lock holder's name (the ABI) or a true boolean (the issue's <c>echo 1</c>).</summary>
    private static Errno StoreUnlock(SevGuestTsm tsm, GuestPciDevice device, string value)
    {
        if (device.Tsm is null)
        {
            return Errno.EINVAL;
        }

        var named = SysfsText.StringEquals(value, tsm.Name);
        if (!named && !(SysfsText.TryParseBool(value, out var yes) && yes))
        {
            return Errno.EINVAL;
        }

        return tsm.Unlock(device);
    }

    private static string ShowTdispState(GuestPciDevice device)
    {
        if (device.Tsm is not { } tdi)
        {
            return "CONFIG_UNLOCKED\n";
        }

        return tdi.TdispState switch
        {
            TsmTdispState.ConfigUnlocked => "CONFIG_UNLOCKED\n",
            TsmTdispState.ConfigLocked => "CONFIG_LOCKED\n",
            TsmTdispState.Run => "RUN\n",
            _ => "ERROR\n",
        };
    }

    private static string ShowIomem(GuestPciBus bus)
    {
        var text = new StringBuilder();
        foreach (var device in bus.Devices)
        {
            foreach (var bar in device.Bars)
            {
                if (!bar.IsAssigned)
                {
                    continue;
                }

                text.Append(CultureInfo.InvariantCulture, $"{bar.Address:x8}-{bar.End - 1:x8} : {device.Address}\n");
                foreach (var resource in device.EncryptedResources)
                {
                    if (resource.Bar == bar.Index)
                    {
                        text.Append(CultureInfo.InvariantCulture, $"  {resource.Start:x8}-{resource.End - 1:x8} : {TsmConstants.EncryptedMmioResourceName}\n");
                    }
                }
            }
        }

        return text.ToString();
    }

    private static GuestPciDevice? Find(GuestPciBus bus, string value) =>
        PciAddress.TryParse(value, out var address) ? bus.Find(address) : null;

    private static string Hex(uint value, int digits) => "0x" + value.ToString("x" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + "\n";
}
