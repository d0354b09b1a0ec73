namespace SevTio.Hw.Iommu;

/// <summary>EventCode of an AMD IOMMU event-log entry (bits 31:28 of its second doubleword; Linux <c>EVENT_TYPE_*</c>).</summary>
public enum IommuEventCode
{
    None = 0x0,
    IllegalDeviceTableEntry = 0x1,
    IoPageFault = 0x2,
    DeviceTableHardwareError = 0x3,
    PageTableHardwareError = 0x4,
    IllegalCommandError = 0x5,
    CommandHardwareError = 0x6,
    IotlbInvalidationTimeout = 0x7,
    InvalidDeviceRequest = 0x8,
    InvalidPprRequest = 0x9,
    EventCounterZero = 0xA,
    GuestEventFault = 0xB,
    RmpPageFault = 0xD,
    RmpHardwareError = 0xE,
}
