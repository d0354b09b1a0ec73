using System.Runtime.CompilerServices;
using SevTio.Hw.Pcie;

namespace SevTio.Hw.Platform;

/// <summary>
/// Memoised <see cref="LinkTiming"/> costs for the burst level: a transfer's wire cost depends only on its length,
/// its offset within a 4 KiB page and whether its header is 3 or 4 DW, so a job of same-sized transfers computes the
/// per-TLP equations once per distinct offset instead of once per transfer. Direct-mapped; a miss computes exactly.
/// </summary>
internal sealed class TransferCostCache
{
    private const int Slots = 256;

    private readonly Func<ulong, long, TransferCost> _compute;
    private readonly long[] _tags = new long[Slots];
    private readonly TransferCost[] _costs = new TransferCost[Slots];

    public TransferCostCache(Func<ulong, long, TransferCost> compute)
    {
        _compute = compute;
        Clear();
    }

    public void Clear() => Array.Fill(_tags, -1L);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TransferCost Get(ulong address, long length)
    {
        if (length > 1L << 24)
        {
            return _compute(address, length);
        }

        // 12 bits of page offset, 1 bit each for a 4-DW first and last header, the length above them.
        var wide = LinkTiming.MemoryRequestHeaderBytesFor(address) + LinkTiming.MemoryRequestHeaderBytesFor(address + (ulong)Math.Max(0, length - 1));
        var key = (long)(address & 0xFFF) | ((long)wide << 12) | (length << 18);
        var slot = (int)((ulong)(key * unchecked((long)0x9E3779B97F4A7C15UL)) >> 56);
        if (_tags[slot] == key)
        {
            return _costs[slot];
        }

        var cost = _compute(address, length);
        _tags[slot] = key;
        _costs[slot] = cost;
        return cost;
    }
}
