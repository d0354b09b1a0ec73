namespace SevTio.Guest.Pci;

/// <summary>
/// The guest's PCI core: the functions it enumerated at boot and the registered drivers, with the bind and unbind
/// operations sysfs exposes (<c>/sys/bus/pci/drivers/NAME/bind</c>, <c>unbind</c>).
/// </summary>
public sealed class GuestPciBus
{
    private readonly List<GuestPciDevice> _devices = [];
    private readonly List<IGuestPciDriver> _drivers = [];

    internal GuestPciBus(IEnumerable<GuestPciFunction> functions, IGuestMmio mmio)
    {
        foreach (var function in functions)
        {
            if (GuestPciDevice.Enumerate(function, mmio) is { } device)
            {
                if (Find(device.Address) is not null)
                {
                    throw new ArgumentException($"two functions at {device.Address}");
                }

                _devices.Add(device);
            }
        }
    }

    public IReadOnlyList<GuestPciDevice> Devices => _devices;

    public IReadOnlyList<IGuestPciDriver> Drivers => _drivers;

    /// <summary>Raised after a driver was bound or unbound (sysfs refreshes the device's <c>driver</c> link).</summary>
    public event Action<GuestPciDevice>? DriverChanged;

    public GuestPciDevice? Find(PciAddress address)
    {
        foreach (var device in _devices)
        {
            if (device.Address == address)
            {
                return device;
            }
        }

        return null;
    }

    public IGuestPciDriver? FindDriver(string name)
    {
        foreach (var driver in _drivers)
        {
            if (driver.Name == name)
            {
                return driver;
            }
        }

        return null;
    }

    /// <summary>Registers a driver (<c>pci_register_driver</c>); it binds only when asked (no automatic probe).</summary>
    public void RegisterDriver(IGuestPciDriver driver)
    {
        ArgumentNullException.ThrowIfNull(driver);
        if (FindDriver(driver.Name) is not null)
        {
            throw new ArgumentException($"a driver named {driver.Name} is already registered", nameof(driver));
        }

        _drivers.Add(driver);
        DriverAdded?.Invoke(driver);
    }

    /// <summary>Raised when a driver registers (sysfs creates its directory).</summary>
    public event Action<IGuestPciDriver>? DriverAdded;

    /// <summary>Binds <paramref name="driver"/> to the device: EBUSY if one is bound, ENODEV if it does not match, the probe's error.</summary>
    public Errno Bind(IGuestPciDriver driver, GuestPciDevice device)
    {
        ArgumentNullException.ThrowIfNull(driver);
        ArgumentNullException.ThrowIfNull(device);
        if (device.Driver is not null)
        {
            return Errno.EBUSY;
        }

        if (!driver.Matches(device))
        {
            return Errno.ENODEV;
        }

        device.Driver = driver;
        var error = driver.Probe(device);
        if (error != Errno.None)
        {
            device.Driver = null;
            return error;
        }

        DriverChanged?.Invoke(device);
        return Errno.None;
    }

    /// <summary>Unbinds the device's driver (<c>device_release_driver</c>): ENODEV if none is bound.</summary>
    public Errno Unbind(GuestPciDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Driver is not { } driver)
        {
            return Errno.ENODEV;
        }

        driver.Remove(device);
        device.Driver = null;
        DriverChanged?.Invoke(device);
        return Errno.None;
    }
}
