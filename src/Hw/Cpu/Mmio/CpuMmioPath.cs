using SevTio.Hw.Device;
using SevTio.Hw.Ide;
using SevTio.Hw.Memory;
using SevTio.Hw.Pcie;
using SevTio.Hw.Rmp;
using SevTio.Hw.RootComplex;

namespace SevTio.Hw.Cpu.Mmio;

/// <summary>
/// The path of an SNP guest CPU's uncached load or store to device MMIO: the guest-physical address is translated
/// through the guest's nested map to a system address; the RMP checks the page as for any guest access (C=1 must hit a
/// page assigned to the guest's ASID at this GPA and Validated — for MMIO only the PSP sets Validated, at
/// MMIO_VALIDATE —, C=0 must hit a hypervisor-owned page); the root complex then sends the request down the root port
/// to the BAR that claims the address: with T=1 on the port's Secure IDE stream for a private (C=1) access, T=0
/// otherwise. The device's TDI enforcement decides whether it serves it (TEE ranges only for T=1 in RUN).
/// </summary>
/// <remarks>
/// Requests are 32-bit at the device (an 8-byte access is two, low dword first); a refused read returns all ones, a
/// refused write is dropped, as an Unsupported Request is. MMIO is not on the DMA hot path (one doorbell per job), so it
/// goes as a direct call with its T bit and stream rather than as TLPs on the link.
/// </remarks>
public sealed class CpuMmioPath
{
    private readonly GuestPhysicalMap _map;
    private readonly RmpTable _rmp;
    private readonly RootPort _rootPort;
    private readonly TdispDevice _device;

    public CpuMmioPath(GuestPhysicalMap map, RmpTable rmp, RootPort rootPort, TdispDevice device)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(rmp);
        ArgumentNullException.ThrowIfNull(rootPort);
        ArgumentNullException.ThrowIfNull(device);
        _map = map;
        _rmp = rmp;
        _rootPort = rootPort;
        _device = device;
    }

    public int Asid => _map.Asid;

    public long Reads { get; private set; }

    public long Writes { get; private set; }

    /// <summary>Accesses that did not complete (any status but <see cref="MmioAccessStatus.Completed"/>).</summary>
    public long Refused { get; private set; }

    public MmioAccessStatus LastStatus { get; private set; }

    /// <summary>A load of <paramref name="size"/> bytes; <paramref name="value"/> is all ones when refused.</summary>
    public MmioAccessStatus Read(ulong gpa, int size, bool encrypted, out ulong value)
    {
        Reads++;
        value = size >= 8 ? ulong.MaxValue : (1UL << (8 * size)) - 1;
        var status = Resolve(gpa, size, encrypted, MemoryAccess.Read, out var address, out var stream);
        if (status == MmioAccessStatus.Completed)
        {
            if (_device.MmioRead(address & ~3UL, encrypted, stream, out var low) != CompletionStatus.SuccessfulCompletion)
            {
                status = MmioAccessStatus.UnsupportedRequest;
            }
            else if (size == 8)
            {
                status = _device.MmioRead(address + 4, encrypted, stream, out var high) == CompletionStatus.SuccessfulCompletion
                    ? MmioAccessStatus.Completed
                    : MmioAccessStatus.UnsupportedRequest;
                value = status == MmioAccessStatus.Completed ? low | ((ulong)high << 32) : value;
            }
            else
            {
                var shift = 8 * (int)(address & 3);
                value = (low >> shift) & (uint)value;
            }
        }

        return Finish(status);
    }

    /// <summary>A store of <paramref name="size"/> bytes (posted).</summary>
    public MmioAccessStatus Write(ulong gpa, int size, ulong value, bool encrypted)
    {
        Writes++;
        var status = Resolve(gpa, size, encrypted, MemoryAccess.Write, out var address, out var stream);
        if (status == MmioAccessStatus.Completed)
        {
            bool ok;
            if (size == 8)
            {
                ok = _device.MmioWrite(address, (uint)value, encrypted, stream) & _device.MmioWrite(address + 4, (uint)(value >> 32), encrypted, stream);
            }
            else
            {
                var shift = 8 * (int)(address & 3);
                var enables = ((1 << size) - 1) << (int)(address & 3);
                ok = _device.MmioWrite(address & ~3UL, (uint)(value << shift), encrypted, stream, enables);
            }

            status = ok ? MmioAccessStatus.Completed : MmioAccessStatus.UnsupportedRequest;
        }

        return Finish(status);
    }

    private MmioAccessStatus Resolve(ulong gpa, int size, bool encrypted, MemoryAccess access, out ulong address, out byte? stream)
    {
        address = 0;
        stream = null;
        if (size is not (1 or 2 or 4 or 8) || (gpa & (ulong)(size - 1)) != 0)
        {
            return MmioAccessStatus.BadAccess;
        }

        if (!_map.TryTranslate(gpa, out address, out _))
        {
            return MmioAccessStatus.NotMapped;
        }

        var check = encrypted ? _rmp.CheckGuestPrivate(address, _map.Asid, gpa, 0, access) : _rmp.CheckHypervisorOwned(address);
        if (!check.Allowed)
        {
            return MmioAccessStatus.RmpViolation;
        }

        if (encrypted)
        {
            // T=1 requests travel only inside a Secure Selective IDE stream of the root port.
            stream = SecureStream(_rootPort.Ide);
            if (stream is null)
            {
                return MmioAccessStatus.UnsupportedRequest;
            }
        }

        return MmioAccessStatus.Completed;
    }

    private static byte? SecureStream(IdePort port)
    {
        foreach (var s in port.Streams)
        {
            if (s.IsEnabled && s.State == IdeStreamState.Secure)
            {
                return s.StreamId;
            }
        }

        return null;
    }

    private MmioAccessStatus Finish(MmioAccessStatus status)
    {
        LastStatus = status;
        if (status != MmioAccessStatus.Completed)
        {
            Refused++;
        }

        return status;
    }
}
