namespace SevTio.Protocols.Tsm;

/// <summary>Constants of the Linux PCI TSM guest interface that the guest model needs.</summary>
public static class TsmConstants
{
    /// <summary>
    /// <c>IORES_DESC_ENCRYPTED</c> (include/linux/ioport.h, devsec series patch 4/7): the resource descriptor of
    /// "PCI MMIO Encrypted" ranges that <c>ioremap()</c> must map with the C-bit (IORES_MUST_ENCRYPT).
    /// </summary>
    public const int IoResourceDescriptorEncrypted = 10;

    /// <summary>Name the seed gives validated TEE MMIO resources.</summary>
    public const string EncryptedMmioResourceName = "PCI MMIO Encrypted";

    /// <summary><c>SPDM_MEASUREMENTS_NONCE_LEN</c>: bytes of the nonce of a fresh measurement request.</summary>
    public const int MeasurementNonceLength = 32;

    /// <summary><c>pci_tsm</c> flag b0: the device is accepted, ioremap uses the private alias.</summary>
    public const uint PciTsmFlagAccept = 1u << 0;

    /// <summary><c>pci_tsm</c> flag b1: trusted DMA is enabled.</summary>
    public const uint PciTsmFlagDma = 1u << 1;

    /// <summary>Cache line sizes a TDI may be locked with (TDISP LOCK_INTERFACE CACHE_LINE_SIZE).</summary>
    public const ushort CacheLine64 = 64;

    public const ushort CacheLine128 = 128;
}
