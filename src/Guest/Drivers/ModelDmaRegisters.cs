namespace SevTio.Guest.Drivers;

/// <summary>
/// The model device's programming interface as its driver knows it (the driver's header file): BAR 0 register
/// offsets, the identification value, CTRL bits. The device publishes the same layout; a driver does not link against
/// the device's implementation.
/// </summary>
public static class ModelDmaRegisters
{
    public const int Bar = 0;
    public const ulong BarBytes = 0x1000;
    public const int Id = 0x00;
    public const int Version = 0x04;
    public const int Control = 0x08;
    public const int Status = 0x0C;
    public const int Error = 0x10;
    public const int RingSize = 0x14;
    public const int RingBaseLow = 0x18;
    public const int RingBaseHigh = 0x1C;
    public const int RingHead = 0x20;
    public const int RingTail = 0x24;
    public const int JobsDone = 0x28;
    public const int DeviceMemorySize = 0x2C;

    /// <summary>"SDMA", little-endian.</summary>
    public const uint IdValue = 0x414D_4453;

    public const uint ControlEnable = 1u << 0;

    /// <summary>Write 1: stop and clear HEAD, TAIL and ERROR.</summary>
    public const uint ControlReset = 1u << 1;

    /// <summary>PCI ids the driver binds to (QEMU's vendor id for emulated devices).</summary>
    public const ushort VendorId = 0x1B36;
    public const ushort DeviceId = 0x5E70;
}
