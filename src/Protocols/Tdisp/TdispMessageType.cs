namespace SevTio.Protocols.Tdisp;

/// <summary>TDISP message types (PCIe Chapter 11, Table 11-4; libspdm <c>pci_tdisp.h</c>).</summary>
public enum TdispMessageType : byte
{
    // Responses
    TdispVersion = 0x01,
    TdispCapabilities = 0x02,
    LockInterfaceResponse = 0x03,
    DeviceInterfaceReport = 0x04,
    DeviceInterfaceState = 0x05,
    StartInterfaceResponse = 0x06,
    StopInterfaceResponse = 0x07,
    BindP2pStreamResponse = 0x08,
    UnbindP2pStreamResponse = 0x09,
    SetMmioAttributeResponse = 0x0A,
    VdmResponse = 0x0B,
    SetTdispConfigResponse = 0x0C,
    TdispError = 0x7F,

    // Requests
    GetTdispVersion = 0x81,
    GetTdispCapabilities = 0x82,
    LockInterfaceRequest = 0x83,
    GetDeviceInterfaceReport = 0x84,
    GetDeviceInterfaceState = 0x85,
    StartInterfaceRequest = 0x86,
    StopInterfaceRequest = 0x87,
    BindP2pStreamRequest = 0x88,
    UnbindP2pStreamRequest = 0x89,
    SetMmioAttributeRequest = 0x8A,
    VdmRequest = 0x8B,
    SetTdispConfigRequest = 0x8C,
}
