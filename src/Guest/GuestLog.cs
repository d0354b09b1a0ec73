using SevTio.Hw.Simulation;

namespace SevTio.Guest;

/// <summary>
/// The guest kernel's log (dmesg): what the kernel would print with <c>pci_info</c>/<c>pci_err</c>, stamped with
/// simulated time. Bounded: the oldest lines go first.
/// </summary>
public sealed class GuestLog
{
    private readonly Queue<GuestLogLine> _lines = new();
    private readonly int _capacity;

    public GuestLog(int capacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public IReadOnlyCollection<GuestLogLine> Lines => _lines;

    public void Add(SimTime time, string text)
    {
        if (_lines.Count == _capacity)
        {
            _lines.Dequeue();
        }

        _lines.Enqueue(new GuestLogLine(time, text));
    }

    public bool Contains(string fragment)
    {
        foreach (var line in _lines)
        {
            if (line.Text.Contains(fragment, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>One log line.</summary>
public readonly record struct GuestLogLine(SimTime Time, string Text)
{
    public override string ToString() => $"[{Time}] {Text}";
}
