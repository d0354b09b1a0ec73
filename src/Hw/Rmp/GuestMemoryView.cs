using SevTio.Hw.Memory;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Rmp;

/// <summary>
/// Memory as one SNP guest's CPU sees it at one VMPL: guest physical addresses translated through the guest's nested
/// mapping, every access RMP-checked (APM vol. 2 table 15-39), private (C-bit set) accesses encrypted under the guest's
/// key, and the guest instructions PVALIDATE and RMPADJUST. The guest layer touches memory only through this view.
/// </summary>
/// <remarks>
/// Private access (C=1): per page, RMP-Covered, Guest-Owned, Reverse-Map, Mutable and Page-Size → #VMEXIT(NPF),
/// Validated → #VC, VMPL permission → #VMEXIT(NPF). Shared access (C=0): writes need a hypervisor-owned page
/// (#VMEXIT(NPF) otherwise), reads are unchecked and see raw bytes. Every page of an access is checked before any byte
/// is written, so a faulting access changes nothing.
/// </remarks>
public sealed class GuestMemoryView
{
    private readonly MemoryController _controller;
    private readonly RmpTable _rmp;
    private readonly GuestPhysicalMap _map;

    /// <param name="controller">Memory controller holding the guest's key (installed for <see cref="GuestPhysicalMap.Asid"/>).</param>
    /// <param name="rmp">The RMP.</param>
    /// <param name="map">The guest's nested mapping (built by the hypervisor).</param>
    /// <param name="vmpl">The VMPL this vCPU runs at (0–3).</param>
    public GuestMemoryView(MemoryController controller, RmpTable rmp, GuestPhysicalMap map, int vmpl = 0)
    {
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(rmp);
        ArgumentNullException.ThrowIfNull(map);
        ArgumentOutOfRangeException.ThrowIfNegative(vmpl);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(vmpl, RmpEntry.VmplCount);
        _controller = controller;
        _rmp = rmp;
        _map = map;
        Vmpl = vmpl;
    }

    public int Asid => _map.Asid;

    public int Vmpl { get; }

    /// <summary>Reads guest memory; <paramref name="encrypted"/> is the C-bit of the guest's mapping.</summary>
    public CpuAccessResult Read(ulong gpa, Span<byte> destination, bool encrypted = true)
    {
        var check = CheckAll(gpa, destination.Length, MemoryAccess.Read, encrypted);
        if (!check.Succeeded)
        {
            return check;
        }

        var length = destination.Length;
        while (!destination.IsEmpty)
        {
            var chunk = PhysicalMemory.ChunkInPage(gpa, destination.Length);
            _map.TryTranslate(gpa, out var spa, out _);
            _controller.Read(encrypted ? Asid : 0, spa, destination[..chunk]);
            destination = destination[chunk..];
            gpa += (ulong)chunk;
        }

        return check with { Latency = check.Latency + _controller.ReadCost(length, encrypted) };
    }

    /// <summary>Writes guest memory; <paramref name="encrypted"/> is the C-bit of the guest's mapping.</summary>
    public CpuAccessResult Write(ulong gpa, ReadOnlySpan<byte> source, bool encrypted = true)
    {
        var check = CheckAll(gpa, source.Length, MemoryAccess.Write, encrypted);
        if (!check.Succeeded)
        {
            return check;
        }

        var length = source.Length;
        while (!source.IsEmpty)
        {
            var chunk = PhysicalMemory.ChunkInPage(gpa, source.Length);
            _map.TryTranslate(gpa, out var spa, out _);
            _controller.Write(encrypted ? Asid : 0, spa, source[..chunk]);
            source = source[chunk..];
            gpa += (ulong)chunk;
        }

        return check with { Latency = check.Latency + _controller.WriteCost(length, encrypted) };
    }

    /// <summary>PVALIDATE of the page at <paramref name="gpa"/> (see <see cref="RmpTable.Pvalidate"/>); an unmapped GPA is #VMEXIT(NPF).</summary>
    public RmpInstructionResult Pvalidate(ulong gpa, RmpPageSize pageSize, bool validate)
    {
        if (!_map.TryTranslate(gpa, out var spa, out var mappingSize))
        {
            return new RmpInstructionResult(RmpStatus.NestedPageFault, RmpViolation.GpaNotMapped);
        }

        return _rmp.Pvalidate(Asid, Vmpl, gpa, spa, pageSize, mappingSize, validate);
    }

    /// <summary>RMPADJUST of the page at <paramref name="gpa"/> (see <see cref="RmpTable.RmpAdjust"/>); an unmapped GPA is #VMEXIT(NPF).</summary>
    public RmpInstructionResult RmpAdjust(ulong gpa, RmpPageSize pageSize, int targetVmpl, VmplPermissions permissions, bool vmsa = false)
    {
        if (!_map.TryTranslate(gpa, out var spa, out var mappingSize))
        {
            return new RmpInstructionResult(RmpStatus.NestedPageFault, RmpViolation.GpaNotMapped);
        }

        return _rmp.RmpAdjust(Asid, Vmpl, gpa, spa, pageSize, mappingSize, targetVmpl, permissions, vmsa);
    }

    private CpuAccessResult CheckAll(ulong gpa, int length, MemoryAccess access, bool encrypted)
    {
        var latency = SimTime.Zero;
        if (length <= 0)
        {
            return default;
        }

        var last = gpa + (ulong)(length - 1);
        for (var page = gpa & ~PhysicalMemory.PageOffsetMask; page <= last && page >= (gpa & ~PhysicalMemory.PageOffsetMask); page += PhysicalMemory.PageSize)
        {
            var address = Math.Max(page, gpa);
            if (!_map.TryTranslate(address, out var spa, out var mappingSize))
            {
                return new CpuAccessResult(CpuFault.NestedPageFault, RmpViolation.GpaNotMapped, address, latency);
            }

            RmpCheckResult check;
            if (encrypted)
            {
                check = _rmp.CheckGuestPrivate(spa, Asid, address, Vmpl, access, mappingSize);
            }
            else if (access == MemoryAccess.Write)
            {
                check = _rmp.CheckHypervisorOwned(spa);
            }
            else
            {
                continue;
            }

            latency += check.Latency;
            if (!check.Allowed)
            {
                var fault = check.Violation == RmpViolation.NotValidated ? CpuFault.VmmCommunication : CpuFault.NestedPageFault;
                return new CpuAccessResult(fault, check.Violation, address, latency);
            }
        }

        return new CpuAccessResult(CpuFault.None, RmpViolation.None, 0, latency);
    }
}
