namespace SevTio.Guest.Pci;

/// <summary>A function the platform shows the guest on its PCI bus: its address and its config-space accessor.</summary>
public sealed record GuestPciFunction(PciAddress Address, IGuestPciConfigAccess Config);
