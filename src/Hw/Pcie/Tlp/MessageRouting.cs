namespace SevTio.Hw.Pcie;

/// <summary>The r[2:0] routing sub-field of Msg/MsgD types (PCIe Table 2-20); 110b and 111b are reserved.</summary>
public enum MessageRouting : byte
{
    ToRootComplex = 0b000,
    ByAddress = 0b001,
    ById = 0b010,
    BroadcastFromRootComplex = 0b011,
    Local = 0b100,
    GatheredToRootComplex = 0b101,
}
