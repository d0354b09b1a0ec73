using SevTio.Hw.Simulation;

namespace SevTio.Hw.Device;

/// <summary>
/// One finished descriptor: what it asked for, how it ended, and when (from the descriptor fetch to the last data on
/// the link: the last write TLP leaving the device, or the last read completion arriving).
/// </summary>
public readonly record struct DmaJobReport(DmaDescriptor Descriptor, DmaStatus Status, long TransfersDone, SimTime Start, SimTime End)
{
    public SimTime Duration => End - Start;

    public bool Succeeded => Status == DmaStatus.Success;
}
