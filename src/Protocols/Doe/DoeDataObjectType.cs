namespace SevTio.Protocols.Doe;

/// <summary>Data object types of the PCI-SIG vendor (PCIe §6.30.1; libspdm <c>pcidoe.h</c>).</summary>
public enum DoeDataObjectType : byte
{
    Discovery = 0x00,

    /// <summary>CMA/SPDM: a plain SPDM message (PCIe §6.31.3).</summary>
    Spdm = 0x01,

    /// <summary>Secured CMA/SPDM: a DSP0277 secured message (session id, length, ciphertext, MAC).</summary>
    SecuredSpdm = 0x02,
}
