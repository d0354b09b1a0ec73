using SevTio.Hw.Pcie;
using SevTio.Hw.Registers;

namespace SevTio.Hw.Device;

/// <summary>
/// The PCI Express Capability of an endpoint (capability ID 10h, version 2; PCIe 6.x §7.5.3) with the registers the
/// model uses: Device Capabilities (Max_Payload_Size Supported, Extended Tag, FLR, <b>TEE-IO Supported, bit 30</b>),
/// Device Control/Status (MPS, MRRS, Extended Tag Enable, Initiate FLR), Link Capabilities/Status and Device
/// Capabilities/Control 2 (10-bit tags).
/// </summary>
public sealed class PcieCapability : RegisterBlock
{
    public const byte CapabilityId = 0x10;

    /// <summary>Device Capabilities bit 30: TEE-IO Supported (PCIe 6.x, TDISP).</summary>
    public const int TeeIoSupportedBit = 30;

    public PcieCapability(bool teeIoSupported, int maxLinkSpeed, int maxLinkWidth)
        : base("PCIE", 0x3C)
    {
        Define(0x00, "PCIE_CAP", "PCI Express Capability List / Capabilities Register", 2u << 16)
            .WithField(16, 4, FieldAccess.ReadOnly, "VER", "Capability Version")
            .WithField(20, 4, FieldAccess.ReadOnly, "TYPE", "Device/Port Type (0000b PCI Express Endpoint)")
            .WithFlag(24, FieldAccess.ReadOnly, "SLOT", "Slot Implemented")
            .WithField(25, 5, FieldAccess.ReadOnly, "IMN", "Interrupt Message Number")
            .WithReserved(30, 2);

        DeviceCapabilities = Define(0x04, "DEVCAP", "Device Capabilities Register",
                5u | (1u << 5) | (1u << 15) | (1u << 28) | (teeIoSupported ? 1u << TeeIoSupportedBit : 0))
            .WithField(0, 3, FieldAccess.ReadOnly, "MPSS", "Max_Payload_Size Supported (101b = 4096 B)")
            .WithField(3, 2, FieldAccess.ReadOnly, "PFS", "Phantom Functions Supported")
            .WithFlag(5, FieldAccess.ReadOnly, "ETFS", "Extended Tag Field Supported")
            .WithField(6, 3, FieldAccess.ReadOnly, "L0SL", "Endpoint L0s Acceptable Latency")
            .WithField(9, 3, FieldAccess.ReadOnly, "L1L", "Endpoint L1 Acceptable Latency")
            .WithReserved(12, 3)
            .WithFlag(15, FieldAccess.ReadOnly, "RBER", "Role-Based Error Reporting")
            .WithFlag(16, FieldAccess.ReadOnly, "ERRCOR", "ERR_COR Subclass Capable")
            .WithReserved(17, 1)
            .WithField(18, 8, FieldAccess.ReadOnly, "CSPLV", "Captured Slot Power Limit Value")
            .WithField(26, 2, FieldAccess.ReadOnly, "CSPLS", "Captured Slot Power Limit Scale")
            .WithFlag(28, FieldAccess.ReadOnly, "FLRC", "Function Level Reset Capability")
            .WithFlag(29, FieldAccess.ReadOnly, "MIXMPS", "Mixed_MPS_Supported")
            .WithFlag(TeeIoSupportedBit, FieldAccess.ReadOnly, "TEEIO", "TEE-IO Supported")
            .WithReserved(31, 1);

        DeviceControl = Define(0x08, "DEVCTL", "Device Control / Device Status Register", (1u << 5) | (2u << 12) | (1u << 8))
            .WithFlag(0, FieldAccess.ReadWrite, "CERE", "Correctable Error Reporting Enable", modelled: false)
            .WithFlag(1, FieldAccess.ReadWrite, "NFERE", "Non-Fatal Error Reporting Enable", modelled: false)
            .WithFlag(2, FieldAccess.ReadWrite, "FERE", "Fatal Error Reporting Enable", modelled: false)
            .WithFlag(3, FieldAccess.ReadWrite, "URRE", "Unsupported Request Reporting Enable", modelled: false)
            .WithFlag(4, FieldAccess.ReadWrite, "ERO", "Enable Relaxed Ordering", modelled: false)
            .WithField(5, 3, FieldAccess.ReadWrite, "MPS", "Max_Payload_Size (000b 128 B .. 101b 4096 B)")
            .WithFlag(8, FieldAccess.ReadWrite, "ETFE", "Extended Tag Field Enable")
            .WithFlag(9, FieldAccess.ReadWrite, "PFE", "Phantom Functions Enable", modelled: false)
            .WithFlag(10, FieldAccess.ReadWrite, "APPME", "Aux Power PM Enable", modelled: false)
            .WithFlag(11, FieldAccess.ReadWrite, "ENS", "Enable No Snoop", modelled: false)
            .WithField(12, 3, FieldAccess.ReadWrite, "MRRS", "Max_Read_Request_Size (000b 128 B .. 101b 4096 B)")
            .WithFlag(15, FieldAccess.ReadWrite, "IFLR", "Initiate Function Level Reset")
            .WithFlag(16, FieldAccess.WriteOneToClear, "CED", "Correctable Error Detected")
            .WithFlag(17, FieldAccess.WriteOneToClear, "NFED", "Non-Fatal Error Detected")
            .WithFlag(18, FieldAccess.WriteOneToClear, "FED", "Fatal Error Detected")
            .WithFlag(19, FieldAccess.WriteOneToClear, "URD", "Unsupported Request Detected")
            .WithFlag(20, FieldAccess.ReadOnly, "APD", "AUX Power Detected")
            .WithFlag(21, FieldAccess.ReadOnly, "TP", "Transactions Pending")
            .WithReserved(22, 10);

        Define(0x0C, "LNKCAP", "Link Capabilities Register", (uint)maxLinkSpeed | ((uint)maxLinkWidth << 4))
            .WithField(0, 4, FieldAccess.ReadOnly, "MLS", "Max Link Speed")
            .WithField(4, 6, FieldAccess.ReadOnly, "MLW", "Maximum Link Width")
            .WithField(10, 22, FieldAccess.ReadOnly, "OTHER", "ASPM, latencies, port number (not modelled)");

        LinkStatus = Define(0x10, "LNKCTL", "Link Control / Link Status Register", ((uint)maxLinkSpeed << 16) | ((uint)maxLinkWidth << 20))
            .WithField(0, 16, FieldAccess.ReadWrite, "LNKCTL", "Link Control (not modelled)", modelled: false)
            .WithField(16, 4, FieldAccess.ReadOnly, "CLS", "Current Link Speed")
            .WithField(20, 6, FieldAccess.ReadOnly, "NLW", "Negotiated Link Width")
            .WithReserved(26, 6);

        Define(0x24, "DEVCAP2", "Device Capabilities 2 Register", (1u << 16) | (1u << 17))
            .WithField(0, 16, FieldAccess.ReadOnly, "LOW", "Completion timeout, ARI, AtomicOp (not modelled)")
            .WithFlag(16, FieldAccess.ReadOnly, "T10C", "10-Bit Tag Completer Supported")
            .WithFlag(17, FieldAccess.ReadOnly, "T10R", "10-Bit Tag Requester Supported")
            .WithField(18, 14, FieldAccess.ReadOnly, "HIGH", "OBFF, EETLP, ... (not modelled)");

        Define(0x28, "DEVCTL2", "Device Control 2 / Device Status 2 Register")
            .WithField(0, 12, FieldAccess.ReadWrite, "LOW", "Completion timeout, ARI, AtomicOp, IDO, LTR (not modelled)", modelled: false)
            .WithFlag(12, FieldAccess.ReadWrite, "T10RE", "10-Bit Tag Requester Enable")
            .WithReserved(13, 19);
    }

    public Register32 DeviceCapabilities { get; }

    public Register32 DeviceControl { get; }

    public Register32 LinkStatus { get; }

    public bool TeeIoSupported => DeviceCapabilities["TEEIO"].IsSet;

    /// <summary>Max_Payload_Size in bytes as software set it.</summary>
    public int MaxPayloadSize => 128 << (int)DeviceControl["MPS"].Value;

    /// <summary>Max_Read_Request_Size in bytes as software set it.</summary>
    public int MaxReadRequestSize => 128 << (int)DeviceControl["MRRS"].Value;

    /// <summary>The 3-bit MPS/MRRS encoding of a size of 128..4096 bytes.</summary>
    public static uint EncodeSize(int bytes) => (uint)(System.Numerics.BitOperations.Log2((uint)bytes) - 7);

    /// <summary>
    /// What enumeration software does to a function's Device Control: sets Max_Payload_Size (bits 7:5) and
    /// Max_Read_Request_Size (bits 14:12) through a 16-bit config write at the capability found in
    /// <paramref name="config"/>, leaving the other bits as they are.
    /// </summary>
    public static void ProgramSizes(ConfigSpace config, int maxPayloadSize, int maxReadRequestSize)
    {
        var offset = config.FindCapability(CapabilityId);
        var devctl = config.Read(offset + 8) & 0xFFFF;
        devctl = (devctl & ~(7u << 5) & ~(7u << 12)) | (EncodeSize(maxPayloadSize) << 5) | (EncodeSize(maxReadRequestSize) << 12);
        config.Write(offset + 8, devctl, byteEnables: 0b0011);
    }
}
