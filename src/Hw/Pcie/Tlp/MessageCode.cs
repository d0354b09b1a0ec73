namespace SevTio.Hw.Pcie;

/// <summary>Message codes the model uses (PCIe Table F-1 and §6.33.7).</summary>
public static class MessageCode
{
    /// <summary>IDE Sync: sent as an IDE TLP when a PR_Sent counter reaches 245 (§6.33.7).</summary>
    public const byte IdeSync = 0x54;

    /// <summary>IDE Fail: sent as a non-IDE TLP when a stream goes from Secure to Insecure.</summary>
    public const byte IdeFail = 0x55;

    /// <summary>Vendor_Defined Type 1 (used by tests as an "other" message).</summary>
    public const byte VendorDefinedType1 = 0x7F;
}
