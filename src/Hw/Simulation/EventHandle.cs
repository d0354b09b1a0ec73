namespace SevTio.Hw.Simulation;

/// <summary>Identifies one scheduled event for cancellation. A handle outlives its event harmlessly.</summary>
public readonly record struct EventHandle(int Slot, uint Generation)
{
    public static readonly EventHandle None = new(-1, 0);

    public bool IsNone => Slot < 0;
}
