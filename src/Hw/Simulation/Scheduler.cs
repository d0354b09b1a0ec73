using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace SevTio.Hw.Simulation;

/// <summary>
/// The deterministic discrete-event kernel. Events are ordered by (time, priority class, sequence number), so equal-time,
/// equal-priority events run first-in first-out and a run depends only on what was scheduled, never on the host.
/// </summary>
/// <remarks>
/// An indexed 4-ary min-heap over small keys; the payload (handler and two arguments) lives in a slot table that
/// the heap entries point into, so sift operations move 24-byte keys only. Slots are recycled through a free list:
/// once the tables have grown to the peak number of pending events, scheduling and running allocate nothing.
/// Cancellation removes the event from the heap in O(log n) through the slot's recorded heap position.
/// </remarks>
public sealed class Scheduler
{
    private const int Arity = 4;
    private const int SequenceBits = 56;
    private const ulong SequenceMask = (1UL << SequenceBits) - 1;

    private HeapNode[] _heap;
    private Slot[] _slots;
    private int _count;
    private int _freeSlot = -1;
    private int _slotHighWater;
    private ulong _nextSequence;
    private SimTime _now;
    private long _executed;

    public Scheduler(int initialCapacity = 1024)
    {
        initialCapacity = Math.Max(initialCapacity, 4);
        _heap = new HeapNode[initialCapacity];
        _slots = new Slot[initialCapacity];
    }

    /// <summary>The current simulated time: the time of the event being run, or where the last run stopped.</summary>
    public SimTime Now => _now;

    /// <summary>Events waiting to run.</summary>
    public int PendingCount => _count;

    /// <summary>Events run since construction.</summary>
    public long EventsExecuted => _executed;

    /// <summary>The time of the next pending event, or <see cref="SimTime.MaxValue"/> when idle.</summary>
    public SimTime NextEventTime => _count == 0 ? SimTime.MaxValue : new SimTime(_heap[0].Time);

    public EventHandle Schedule(SimTime at, ISimEventHandler handler, EventPriority priority = EventPriority.Default, long arg0 = 0, long arg1 = 0)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (at < _now)
        {
            ThrowInPast(at);
        }

        var slot = AllocateSlot();
        ref var s = ref _slots[slot];
        s.Handler = handler;
        s.Arg0 = arg0;
        s.Arg1 = arg1;

        if (_count == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }

        var key = ((ulong)priority << SequenceBits) | (_nextSequence++ & SequenceMask);
        SiftUp(_count++, new HeapNode(at.Picoseconds, key, slot));
        return new EventHandle(slot, s.Generation);
    }

    public EventHandle ScheduleAfter(SimTime delay, ISimEventHandler handler, EventPriority priority = EventPriority.Default, long arg0 = 0, long arg1 = 0) =>
        Schedule(_now + delay, handler, priority, arg0, arg1);

    /// <summary>Removes a pending event. Returns false if it already ran or was cancelled.</summary>
    public bool Cancel(EventHandle handle)
    {
        if (handle.Slot < 0 || handle.Slot >= _slotHighWater)
        {
            return false;
        }

        ref var s = ref _slots[handle.Slot];
        if (s.Generation != handle.Generation || s.HeapIndex < 0)
        {
            return false;
        }

        RemoveAt(s.HeapIndex);
        FreeSlot(handle.Slot);
        return true;
    }

    /// <summary>Runs the earliest event. Returns false when nothing is pending.</summary>
    public bool Step()
    {
        if (_count == 0)
        {
            return false;
        }

        RunFirst();
        return true;
    }

    /// <summary>Runs every event whose time is at or before <paramref name="until"/>, then leaves <see cref="Now"/> there.</summary>
    public void RunUntil(SimTime until)
    {
        var limit = until.Picoseconds;
        while (_count != 0 && _heap[0].Time <= limit)
        {
            RunFirst();
        }

        if (until > _now)
        {
            _now = until;
        }
    }

    /// <summary>
    /// Lets <paramref name="duration"/> of simulated time pass: runs every event up to <c>Now + duration</c> and leaves
    /// <see cref="Now"/> there. Synchronous control flows (the trust flow's firmware and driver code, SystemC
    /// loosely-timed style) charge their costs this way, so DMA traffic keeps flowing underneath them.
    /// </summary>
    public void Advance(SimTime duration)
    {
        if (duration < SimTime.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(duration), duration, "simulated time cannot run backwards");
        }

        RunUntil(_now + duration);
    }

    /// <summary>Runs until no event is pending.</summary>
    public void RunUntilIdle()
    {
        while (_count != 0)
        {
            RunFirst();
        }
    }

    /// <summary>Runs events until <paramref name="condition"/> holds (checked after each event) or nothing is pending.</summary>
    public bool RunWhile(Func<bool> condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        while (condition())
        {
            if (_count == 0)
            {
                return false;
            }

            RunFirst();
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RunFirst()
    {
        var top = _heap[0];
        RemoveAt(0);
        ref var s = ref _slots[top.Slot];
        var handler = s.Handler!;
        var a0 = s.Arg0;
        var a1 = s.Arg1;
        FreeSlot(top.Slot);
        _now = new SimTime(top.Time);
        _executed++;
        handler.OnEvent(this, a0, a1);
    }

    private int AllocateSlot()
    {
        if (_freeSlot >= 0)
        {
            var slot = _freeSlot;
            _freeSlot = _slots[slot].NextFree;
            return slot;
        }

        if (_slotHighWater == _slots.Length)
        {
            Array.Resize(ref _slots, _slots.Length * 2);
        }

        return _slotHighWater++;
    }

    private void FreeSlot(int slot)
    {
        ref var s = ref _slots[slot];
        s.Handler = null;
        s.HeapIndex = -1;
        s.Generation++;
        s.NextFree = _freeSlot;
        _freeSlot = slot;
    }

    private void RemoveAt(int index)
    {
        Debug.Assert(index < _count);
        _slots[_heap[index].Slot].HeapIndex = -1;
        var last = _heap[--_count];
        if (index == _count)
        {
            return;
        }

        // The moved node may belong above or below the hole.
        if (index > 0 && Less(last, _heap[(index - 1) / Arity]))
        {
            SiftUp(index, last);
        }
        else
        {
            SiftDown(index, last);
        }
    }

    private void SiftUp(int index, HeapNode node)
    {
        var heap = _heap;
        while (index > 0)
        {
            var parent = (index - 1) / Arity;
            if (!Less(node, heap[parent]))
            {
                break;
            }

            heap[index] = heap[parent];
            _slots[heap[index].Slot].HeapIndex = index;
            index = parent;
        }

        heap[index] = node;
        _slots[node.Slot].HeapIndex = index;
    }

    private void SiftDown(int index, HeapNode node)
    {
        var heap = _heap;
        var count = _count;
        while (true)
        {
            var first = (index * Arity) + 1;
            if (first >= count)
            {
                break;
            }

            var best = first;
            var end = Math.Min(first + Arity, count);
            for (var c = first + 1; c < end; c++)
            {
                if (Less(heap[c], heap[best]))
                {
                    best = c;
                }
            }

            if (!Less(heap[best], node))
            {
                break;
            }

            heap[index] = heap[best];
            _slots[heap[index].Slot].HeapIndex = index;
            index = best;
        }

        heap[index] = node;
        _slots[node.Slot].HeapIndex = index;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Less(in HeapNode a, in HeapNode b) =>
        a.Time < b.Time || (a.Time == b.Time && a.Key < b.Key);

    private void ThrowInPast(SimTime at) =>
        throw new InvalidOperationException($"cannot schedule an event at {at}, before the current time {_now}");

    private readonly record struct HeapNode(long Time, ulong Key, int Slot);

    private struct Slot
    {
        public ISimEventHandler? Handler;
        public long Arg0;
        public long Arg1;
        public int HeapIndex;
        public int NextFree;
        public uint Generation;
    }
}
