using SevTio.Hw.Pcie;
using SevTio.Hw.Simulation;

namespace SevTio.Host.Pci;

/// <summary>
/// The host's configuration access path (ECAM through the root complex): every read or write of a DW of a function's
/// configuration space is one request with <see cref="HostTiming.ConfigAccess"/> of simulated time, charged with
/// <see cref="Scheduler.Advance"/> so device traffic keeps flowing underneath.
/// </summary>
public sealed class PciConfigAccessor
{
    private readonly Dictionary<(byte Segment, ushort Bdf), ConfigSpace> _functions = [];
    private readonly Scheduler _scheduler;
    private readonly SimTime _cost;

    public PciConfigAccessor(Scheduler scheduler, SimTime accessCost)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        _scheduler = scheduler;
        _cost = accessCost;
    }

    /// <summary>Configuration reads and writes issued.</summary>
    public long Accesses { get; private set; }

    /// <summary>Simulated time spent in them.</summary>
    public SimTime TimeInAccesses { get; private set; }

    /// <summary>Makes a function reachable at (segment, bus/device/function).</summary>
    public void Register(ushort bdf, ConfigSpace config, byte segment = 0)
    {
        ArgumentNullException.ThrowIfNull(config);
        _functions[(segment, bdf)] = config;
    }

    public bool Exists(ushort bdf, byte segment = 0) => _functions.ContainsKey((segment, bdf));

    /// <summary>A configuration read; a function that does not exist reads all ones (Unsupported Request).</summary>
    public uint Read(ushort bdf, int offset, byte segment = 0)
    {
        Charge();
        return _functions.TryGetValue((segment, bdf), out var config) ? config.Read(offset) : uint.MaxValue;
    }

    public void Write(ushort bdf, int offset, uint value, int byteEnables = 0xF, byte segment = 0)
    {
        Charge();
        if (_functions.TryGetValue((segment, bdf), out var config))
        {
            config.Write(offset, value, byteEnables);
        }
    }

    /// <summary>Walks the extended capability list as software does (one read per header); -1 when absent.</summary>
    public int FindExtendedCapability(ushort bdf, ushort id, byte segment = 0)
    {
        var offset = ConfigSpace.ExtendedCapabilityStart;
        for (var guard = 0; offset != 0 && guard < 480; guard++)
        {
            var header = Read(bdf, offset, segment);
            if (header is 0 or uint.MaxValue)
            {
                return -1;
            }

            if ((header & 0xFFFF) == id)
            {
                return offset;
            }

            offset = (int)(header >> 20);
        }

        return -1;
    }

    private void Charge()
    {
        Accesses++;
        TimeInAccesses += _cost;
        _scheduler.Advance(_cost);
    }
}
