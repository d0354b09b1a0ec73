using SevTio.Hw.Memory;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Rmp;

/// <summary>
/// Memory as the hypervisor's CPU sees it (system physical addresses): reads are not RMP-checked and return the raw bytes
/// (ciphertext of private pages); writes must hit hypervisor-owned pages (Hypervisor-Owned check, APM table 15-39), else
/// the access takes an RMP #PF and nothing is written. RMP instructions are on <see cref="RmpTable"/>.
/// </summary>
public sealed class HostMemoryView
{
    private readonly MemoryController _controller;
    private readonly RmpTable _rmp;

    public HostMemoryView(MemoryController controller, RmpTable rmp)
    {
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(rmp);
        _controller = controller;
        _rmp = rmp;
    }

    public RmpTable Rmp => _rmp;

    public CpuAccessResult Read(ulong systemPhysicalAddress, Span<byte> destination)
    {
        _controller.ReadRaw(systemPhysicalAddress, destination);
        return new CpuAccessResult(CpuFault.None, RmpViolation.None, 0, _controller.ReadCost(destination.Length, encrypted: false));
    }

    public CpuAccessResult Write(ulong systemPhysicalAddress, ReadOnlySpan<byte> source)
    {
        var latency = SimTime.Zero;
        if (source.Length > 0)
        {
            var last = systemPhysicalAddress + (ulong)(source.Length - 1);
            for (var page = systemPhysicalAddress & ~PhysicalMemory.PageOffsetMask; page <= last; page += PhysicalMemory.PageSize)
            {
                var address = Math.Max(page, systemPhysicalAddress);
                var check = _rmp.CheckHypervisorOwned(address);
                latency += check.Latency;
                if (!check.Allowed)
                {
                    return new CpuAccessResult(CpuFault.PageFault, check.Violation, address, latency);
                }
            }
        }

        _controller.WriteRaw(systemPhysicalAddress, source);
        return new CpuAccessResult(CpuFault.None, RmpViolation.None, 0, latency + _controller.WriteCost(source.Length, encrypted: false));
    }
}
