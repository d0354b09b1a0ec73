namespace SevTio.Cli.Attacks;

/// <summary>The party of the trust model that notices an attack (the one place DESIGN.md gives each security decision).</summary>
public enum AttackParty
{
    /// <summary>Nobody noticed.</summary>
    None = 0,

    /// <summary>The root port's IDE receiver: MAC, counters, key sets (PCIe §6.33.8; the stream goes Insecure).</summary>
    RootPortIde,

    /// <summary>The IOMMU's device-table and secure-device-table checks (IO_PAGE_FAULT, INVALID_DEVICE_REQUEST).</summary>
    Iommu,

    /// <summary>The RMP checks the IOMMU or the CPU applies (RMP_PAGE_FAULT, #PF): owner, ASID, GPA, Validated.</summary>
    Rmp,

    /// <summary>The PSP as SPDM requester: signatures, transcript hashes, secured-message AEAD.</summary>
    PspSpdmRequester,

    /// <summary>The PSP's guest-message layer: VMPCK AEAD and sequence numbers of SNP guest requests.</summary>
    PspGuestMessages,

    /// <summary>The PSP's MMIO_VALIDATE checks (TIO_MSG_MMIO_VALIDATE_RSP status).</summary>
    PspMmioValidate,

    /// <summary>The guest TSM's check of a blob against the digest the PSP signed off (TIO_MSG_TDI_INFO_RSP).</summary>
    GuestTsmDigestCheck,

    /// <summary>The guest's SNP message layer: response sequence number and AEAD (the VMPCK is then wiped).</summary>
    GuestMessageLayer,

    /// <summary>The device's SPDM secured-session layer (DSP0277): a record that does not authenticate under the next sequence number is refused.</summary>
    DeviceSecuredSession,

    /// <summary>The device's TDISP responder: a security-relevant change while CONFIG_LOCKED/RUN moves the TDI to ERROR.</summary>
    DeviceTdisp,

    /// <summary>Memory encryption: a private page holds only ciphertext under the guest's key.</summary>
    MemoryEncryption,

    /// <summary>The SPDM secured session: IDE keys travel only inside it (IDE_KM KEY_PROG), never in a host-readable byte.</summary>
    SecuredSpdmSession,
}
