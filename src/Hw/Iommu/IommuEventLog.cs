using SevTio.Hw.Memory;

namespace SevTio.Hw.Iommu;

/// <summary>
/// The event log: a ring of 16-byte <see cref="IommuEvent"/> entries in simulated memory, written by the IOMMU at the
/// tail and consumed by software at the head (Event Log Base/Head/Tail registers). When the ring is full the IOMMU sets
/// EventOverflow and drops further events until software clears it, as the hardware does.
/// </summary>
public sealed class IommuEventLog
{
    private readonly PhysicalMemory _memory;
    private readonly IommuCounters _counters;
    private int _head;
    private int _tail;

    internal IommuEventLog(PhysicalMemory memory, ulong baseAddress, int entries, IommuCounters counters)
    {
        _memory = memory;
        BaseAddress = baseAddress;
        Capacity = entries;
        _counters = counters;
    }

    /// <summary>System physical address of the ring (Event Log Base Address).</summary>
    public ulong BaseAddress { get; }

    /// <summary>Entries in the ring; at most <c>Capacity − 1</c> are held at once (head = tail means empty).</summary>
    public int Capacity { get; }

    /// <summary>Events waiting to be read.</summary>
    public int Count => (_tail - _head + Capacity) % Capacity;

    /// <summary>EventOverflow status: an event was dropped because the ring was full.</summary>
    public bool Overflow { get; private set; }

    /// <summary>Reads and consumes the oldest event (software advancing the head pointer).</summary>
    public bool TryRead(out IommuEvent entry)
    {
        if (_head == _tail)
        {
            entry = default;
            return false;
        }

        entry = IommuEvent.Decode(_memory.GetReadableSpan(Slot(_head), IommuEvent.Size));
        _head = (_head + 1) % Capacity;
        return true;
    }

    /// <summary>Reads every waiting event (a convenience for software and tests; allocates).</summary>
    public IReadOnlyList<IommuEvent> Drain()
    {
        var list = new List<IommuEvent>(Count);
        while (TryRead(out var e))
        {
            list.Add(e);
        }

        return list;
    }

    /// <summary>Software clearing the EventOverflow status bit.</summary>
    public void ClearOverflow() => Overflow = false;

    internal void Append(in IommuEvent entry)
    {
        var next = (_tail + 1) % Capacity;
        if (next == _head || Overflow)
        {
            Overflow = true;
            _counters._eventsDropped++;
            return;
        }

        entry.Encode(_memory.GetWritableSpan(Slot(_tail), IommuEvent.Size));
        _tail = next;
        _counters._eventsLogged++;
    }

    private ulong Slot(int index) => BaseAddress + ((ulong)index * IommuEvent.Size);
}
