namespace SevTio.Guest.Pci;

/// <summary>
/// A guest PCI driver (<c>struct pci_driver</c>): the bus calls <see cref="Probe"/> when the user binds it to a device
/// (<c>/sys/bus/pci/drivers/NAME/bind</c>) and <see cref="Remove"/> on unbind. While bound, the device's TSM state
/// cannot change (lock, accept and unlock answer EBUSY).
/// </summary>
public interface IGuestPciDriver
{
    string Name { get; }

    /// <summary>Whether this driver handles the device (the id table).</summary>
    bool Matches(GuestPciDevice device);

    Errno Probe(GuestPciDevice device);

    void Remove(GuestPciDevice device);
}
