namespace SevTio.Guest.Pci;

/// <summary>
/// The guest's configuration-space accesses to one PCI function, as the platform presents them (the VMM's emulated
/// config space in front of the assigned function). Dword granular with byte enables; offsets 0..4095. The platform
/// charges the simulated cost of each access (an exit to the VMM) itself.
/// </summary>
/// <remarks>
/// What the guest relies on: vendor/device/class at 0x00/0x08, the Command register (MSE bit 1, BME bit 2), BARs at
/// 0x10–0x24 holding guest-physical addresses with the usual sizing semantics (write all ones, read back the mask), the
/// capability list from 0x34 with the PCI Express capability (id 0x10) whose Device Capabilities bit 30 says TEE-IO.
/// </remarks>
public interface IGuestPciConfigAccess
{
    uint ReadConfig(int offset);

    void WriteConfig(int offset, uint value, int byteEnables = 0xF);
}
