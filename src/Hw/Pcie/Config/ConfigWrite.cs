namespace SevTio.Hw.Pcie;

/// <summary>
/// A configuration write as observers see it: where it landed, the dword before and after, and whether it touched
/// state a TDISP device must guard (BARs, Memory Space Enable, Bus Master Enable; PCIe 6.x §11.2.6).
/// </summary>
/// <param name="Offset">Dword-aligned byte offset in configuration space.</param>
/// <param name="Value">The value written.</param>
/// <param name="ByteEnables">First DW BE of the request (bit n = byte n).</param>
/// <param name="OldValue">The software-visible dword before the write.</param>
/// <param name="NewValue">The software-visible dword after the write.</param>
/// <param name="Region">Which part of configuration space the offset belongs to.</param>
/// <param name="CapabilityId">The (extended) capability id for capability regions, else 0.</param>
public readonly record struct ConfigWrite(int Offset, uint Value, int ByteEnables, uint OldValue, uint NewValue, ConfigRegion Region, ushort CapabilityId)
{
    /// <summary>
    /// True for writes to a BAR (even if the value read back is unchanged: a sizing write counts) and for writes that
    /// change Memory Space Enable or Bus Master Enable.
    /// </summary>
    public bool IsSecurityRelevant =>
        Region == ConfigRegion.Bar ||
        (Region == ConfigRegion.Command && ((OldValue ^ NewValue) & (ConfigSpace.CommandMemorySpaceEnable | ConfigSpace.CommandBusMasterEnable)) != 0);
}
