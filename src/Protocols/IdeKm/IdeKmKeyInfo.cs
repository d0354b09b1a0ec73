namespace SevTio.Protocols.IdeKm;

/// <summary>Key direction of KeyInfo bit 1 (RxTxB): 0 = receive, 1 = transmit.</summary>
public enum IdeKmDirection : byte
{
    Receive = 0,
    Transmit = 1,
}

/// <summary>
/// The KeyInfo byte of KEY_PROG, KP_ACK and the K_SET messages: bit 0 = key set (K0/K1), bit 1 = RxTxB (1 = Tx),
/// bits 3:2 reserved, bits 7:4 = sub-stream. The sub-stream keeps its raw 4-bit value, so a receiver can refuse an
/// invalid one with "unsupported value" instead of failing to parse.
/// </summary>
public readonly record struct IdeKmKeyInfo(byte KeySet, IdeKmDirection Direction, IdeKmSubStream SubStream)
{
    public byte ToByte()
    {
        if (KeySet > 1 || (byte)SubStream > 0xF || (byte)Direction > 1)
        {
            throw new InvalidOperationException($"KeyInfo {this} does not fit the byte");
        }

        return (byte)(KeySet | ((byte)Direction << 1) | ((byte)SubStream << 4));
    }

    public static IdeKmKeyInfo FromByte(byte value) =>
        new((byte)(value & 1), (IdeKmDirection)((value >> 1) & 1), (IdeKmSubStream)(value >> 4));

    /// <summary>True when the sub-stream is PR, NPR or CPL.</summary>
    public bool IsValidSubStream => SubStream <= IdeKmSubStream.Completion;
}
