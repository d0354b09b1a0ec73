using SevTio.Host.Tsm;
using SevTio.Hw.Cpu;
using SevTio.Hw.Rmp;

namespace SevTio.Host.Snp;

/// <summary>
/// An SNP guest as the hypervisor launched it: its ASID and guest context, its nested mapping, the vCPU wired to the
/// hypervisor, and where its pages are: private RAM from GPA <see cref="RamBase"/> (the secrets page among it), then a shared window with
/// the GHCB, the SWIOTLB pool and a few pages for I/O buffers. The guest layer gets <see cref="Memory"/> and
/// <see cref="Vcpu"/>; it learns its VMPCKs from the secrets page, never from the host.
/// </summary>
public sealed class SnpGuest
{
    private readonly Dictionary<ushort, TioTdiLink> _devices = [];

    internal SnpGuest(int asid, ulong guestContextAddress, GuestPhysicalMap map, GuestMemoryView memory, GuestVcpu vcpu, SnpGuestConfiguration configuration)
    {
        Asid = asid;
        GuestContextAddress = guestContextAddress;
        Map = map;
        Memory = memory;
        Vcpu = vcpu;
        Configuration = configuration;
    }

    public int Asid { get; }

    /// <summary>System physical address of the PSP's guest context page (gctx_paddr of TDI commands).</summary>
    public ulong GuestContextAddress { get; }

    /// <summary>The nested mapping the hypervisor maintains.</summary>
    public GuestPhysicalMap Map { get; }

    /// <summary>Memory as the guest's vCPU sees it (VMPL0).</summary>
    public GuestMemoryView Memory { get; }

    public GuestVcpu Vcpu { get; }

    public SnpGuestConfiguration Configuration { get; }

    public ulong MemoryBytes => Configuration.MemoryBytes;

    /// <summary>GPA of the first byte of private RAM.</summary>
    public ulong RamBase => Configuration.RamBase;

    /// <summary>GPA of the private secrets page holding VMPCK0–3.</summary>
    public ulong SecretsGpa { get; internal init; }

    /// <summary>GPA of the shared GHCB page the vCPU registered.</summary>
    public ulong GhcbGpa { get; internal init; }

    /// <summary>The SWIOTLB pool: shared (hypervisor-owned) pages at [<see cref="SwiotlbGpa"/>, + <see cref="SwiotlbBytes"/>).</summary>
    public ulong SwiotlbGpa { get; internal init; }

    public ulong SwiotlbBytes { get; internal init; }

    /// <summary>Shared pages for the guest's I/O buffers (message request/response pages, the TDI_INFO blob buffer).</summary>
    public ulong SharedBufferGpa { get; internal init; }

    public ulong SharedBufferBytes { get; internal init; }

    /// <summary>TDIs assigned to this guest, by the routing id the guest knows them by.</summary>
    public IReadOnlyDictionary<ushort, TioTdiLink> Devices => _devices;

    internal void AddDevice(ushort guestRid, TioTdiLink tdi) => _devices[guestRid] = tdi;
}
