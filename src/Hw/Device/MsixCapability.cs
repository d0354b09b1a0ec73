using SevTio.Hw.Registers;

namespace SevTio.Hw.Device;

/// <summary>
/// The MSI-X Capability (capability ID 11h; PCIe 6.x §7.7.2): Message Control (Table Size, Function Mask, MSI-X
/// Enable) and where the table and the Pending Bit Array live (BAR indicator and offset).
/// </summary>
public sealed class MsixCapability : RegisterBlock
{
    public const byte CapabilityId = 0x11;

    public MsixCapability(int vectors, int tableBar, uint tableOffset, int pbaBar, uint pbaOffset)
        : base("MSIX", 12)
    {
        if (vectors is < 1 or > 2048)
        {
            throw new ArgumentOutOfRangeException(nameof(vectors), vectors, "MSI-X has 1-2048 vectors");
        }

        MessageControl = Define(0x00, "MSIX_CTL", "MSI-X Capability Header / Message Control", (uint)(vectors - 1) << 16)
            .WithField(16, 11, FieldAccess.ReadOnly, "TS", "Table Size (N-1)")
            .WithReserved(27, 3)
            .WithFlag(30, FieldAccess.ReadWrite, "FM", "Function Mask")
            .WithFlag(31, FieldAccess.ReadWrite, "EN", "MSI-X Enable");
        Define(0x04, "MSIX_TBL", "Table Offset / Table BIR", tableOffset | (uint)tableBar)
            .WithField(0, 3, FieldAccess.ReadOnly, "BIR", "Table BIR")
            .WithField(3, 29, FieldAccess.ReadOnly, "OFFSET", "Table Offset (QWORD aligned)");
        Define(0x08, "MSIX_PBA", "PBA Offset / PBA BIR", pbaOffset | (uint)pbaBar)
            .WithField(0, 3, FieldAccess.ReadOnly, "BIR", "PBA BIR")
            .WithField(3, 29, FieldAccess.ReadOnly, "OFFSET", "PBA Offset (QWORD aligned)");
    }

    public Register32 MessageControl { get; }

    public bool Enabled => MessageControl["EN"].IsSet;

    public bool FunctionMasked => MessageControl["FM"].IsSet;

    /// <summary>Message Control as the 16-bit register (bits 31:16 of the first dword).</summary>
    public ushort MessageControlValue => (ushort)(MessageControl.Read() >> 16);
}
