namespace SevTio.Hw.Pcie;

/// <summary>
/// A free list of <see cref="Tlp"/> objects with pinned buffers. Single-threaded, like the scheduler that drives it:
/// renting and returning allocate nothing once the pool has grown to the peak number of TLPs in flight.
/// </summary>
public sealed class TlpPool
{
    private readonly Stack<Tlp> _free;

    public TlpPool(int preallocate = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(preallocate);
        _free = new Stack<Tlp>(Math.Max(preallocate, 16));
        for (var i = 0; i < preallocate; i++)
        {
            _free.Push(new Tlp(this) { IsFree = true });
        }

        Created = preallocate;
    }

    /// <summary>TLP objects created so far (the pool's high-water mark).</summary>
    public int Created { get; private set; }

    /// <summary>TLPs currently rented.</summary>
    public int Outstanding => Created - _free.Count;

    public Tlp Rent()
    {
        if (_free.TryPop(out var tlp))
        {
            tlp.IsFree = false;
            return tlp;
        }

        Created++;
        return new Tlp(this);
    }

    internal void Return(Tlp tlp)
    {
        if (tlp.IsFree)
        {
            throw new InvalidOperationException("TLP released twice");
        }

        tlp.ResetForReuse();
        tlp.IsFree = true;
        _free.Push(tlp);
    }
}
