namespace SevTio.Hw.Registers;

/// <summary>
/// Collects logged register accesses (Renode's "unhandled bits" log). Keeps the first <see cref="Capacity"/> entries
/// and counts all of them, so a misbehaving guest cannot make the model grow without bound.
/// </summary>
public sealed class RegisterAccessLog
{
    private readonly List<RegisterLogEntry> _entries = [];

    public RegisterAccessLog(int capacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
    }

    public int Capacity { get; }

    /// <summary>Every logged access, including those past <see cref="Capacity"/>.</summary>
    public long Count { get; private set; }

    public IReadOnlyList<RegisterLogEntry> Entries => _entries;

    /// <summary>Raised for every logged access (not on a hot path: config and capability accesses only).</summary>
    public event Action<RegisterLogEntry>? Logged;

    public void Add(in RegisterLogEntry entry)
    {
        Count++;
        if (_entries.Count < Capacity)
        {
            _entries.Add(entry);
        }

        Logged?.Invoke(entry);
    }

    public void Clear()
    {
        _entries.Clear();
        Count = 0;
    }
}
