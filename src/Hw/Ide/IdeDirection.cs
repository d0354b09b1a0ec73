namespace SevTio.Hw.Ide;

/// <summary>Which half of a port's stream a key belongs to (IDE_KM KeyInfo bit 1, RxTxB: 1 = transmit).</summary>
public enum IdeDirection : byte
{
    Receive = 0,
    Transmit = 1,
}
