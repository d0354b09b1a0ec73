namespace SevTio.Hw.Doe;

/// <summary>A data object protocol: Vendor ID (DW0 bits 15:0) and Data Object Type (DW0 bits 23:16), PCIe §6.30.1.</summary>
public readonly record struct DoeProtocol(ushort VendorId, byte DataObjectType)
{
    /// <summary>PCI-SIG vendor id of the standard protocols.</summary>
    public const ushort PciSigVendorId = 0x0001;

    /// <summary>DOE Discovery (type 00h).</summary>
    public static DoeProtocol Discovery => new(PciSigVendorId, 0x00);

    /// <summary>CMA/SPDM (type 01h).</summary>
    public static DoeProtocol CmaSpdm => new(PciSigVendorId, 0x01);

    /// <summary>Secured CMA/SPDM (type 02h).</summary>
    public static DoeProtocol SecuredCmaSpdm => new(PciSigVendorId, 0x02);

    public override string ToString() => $"{VendorId:X4}:{DataObjectType:X2}";
}
