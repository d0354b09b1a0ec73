namespace SevTio.Hw.Simulation;

/// <summary>
/// Receives scheduled events. Components implement it once and tell their events apart by the two arguments,
/// so scheduling an event allocates nothing (no closures, no boxed payloads).
/// </summary>
public interface ISimEventHandler
{
    void OnEvent(Scheduler scheduler, long arg0, long arg1);
}
