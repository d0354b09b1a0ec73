namespace SevTio.Hw.Ide;

/// <summary>The two key sets of every sub-stream and direction (the IDE prefix's K bit; IDE_KM KeyInfo bit 0).</summary>
public enum IdeKeySet : byte
{
    K0 = 0,
    K1 = 1,
}
