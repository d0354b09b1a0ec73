namespace SevTio.Hw.Pcie;

/// <summary>
/// The splitting rules of PCIe §2.2.7 and §2.3.1.1: a write's payload is at most MPS and never crosses a 4 KiB
/// boundary; a read request asks for at most MRRS and never crosses 4 KiB; a completer returns a read's data in
/// address order, in completions of at most MPS that end on RCB boundaries (or RCB-sized, by policy).
/// Enumerators are structs: splitting allocates nothing.
/// </summary>
public static class TlpSplitter
{
    public const int PageBytes = 4096;

    /// <summary>Splits a memory write. Each chunk is at most <paramref name="maxPayload"/> bytes and stays within one 4 KiB page.</summary>
    public static RequestEnumerator Writes(ulong address, long length, int maxPayload) => new(address, length, CheckSize(maxPayload, nameof(maxPayload)));

    /// <summary>Splits a memory read into requests of at most <paramref name="maxReadRequest"/> bytes within one 4 KiB page.</summary>
    public static RequestEnumerator ReadRequests(ulong address, long length, int maxReadRequest) => new(address, length, CheckSize(maxReadRequest, nameof(maxReadRequest)));

    /// <summary>Splits one read request's data into completions.</summary>
    public static CompletionEnumerator Completions(ulong address, int length, int readCompletionBoundary, int maxPayload, CompletionSplitPolicy policy)
    {
        if (readCompletionBoundary is not (64 or 128 or 256 or 512))
        {
            throw new ArgumentOutOfRangeException(nameof(readCompletionBoundary), readCompletionBoundary, "RCB is 64 or 128 bytes (256/512 accepted for pcie-bench parity)");
        }

        CheckSize(maxPayload, nameof(maxPayload));
        if (maxPayload < readCompletionBoundary)
        {
            throw new ArgumentOutOfRangeException(nameof(maxPayload), maxPayload, "MPS smaller than RCB");
        }

        if (length is < 1 or > PageBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "a read request returns 1-4096 bytes");
        }

        return new CompletionEnumerator(address, length, readCompletionBoundary, policy == CompletionSplitPolicy.MaxPayload ? maxPayload : readCompletionBoundary);
    }

    /// <summary>Number of write TLPs for a transfer (same rule as <see cref="Writes"/>).</summary>
    public static long CountWrites(ulong address, long length, int maxPayload) => CountRequests(address, length, maxPayload);

    /// <summary>Number of read requests for a transfer.</summary>
    public static long CountReadRequests(ulong address, long length, int maxReadRequest) => CountRequests(address, length, maxReadRequest);

    /// <summary>Number of completions for a whole transfer read with the given request size.</summary>
    public static long CountCompletions(ulong address, long length, int maxReadRequest, int readCompletionBoundary, int maxPayload, CompletionSplitPolicy policy)
    {
        long n = 0;
        foreach (var request in ReadRequests(address, length, maxReadRequest))
        {
            foreach (var _ in Completions(request.Address, request.Length, readCompletionBoundary, maxPayload, policy))
            {
                n++;
            }
        }

        return n;
    }

    private static long CountRequests(ulong address, long length, int max)
    {
        long n = 0;
        foreach (var _ in new RequestEnumerator(address, length, CheckSize(max, "max")))
        {
            n++;
        }

        return n;
    }

    private static int CheckSize(int size, string name)
    {
        if (size is not (128 or 256 or 512 or 1024 or 2048 or 4096))
        {
            throw new ArgumentOutOfRangeException(name, size, "MPS and MRRS are 128, 256, 512, 1024, 2048 or 4096 bytes");
        }

        return size;
    }

    /// <summary>Greedy request splitting: each chunk runs to the nearest of the size limit, the next 4 KiB boundary and the end.</summary>
    public struct RequestEnumerator
    {
        private readonly int _max;
        private ulong _next;
        private long _remaining;

        internal RequestEnumerator(ulong address, long length, int max)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(length);
            _next = address;
            _remaining = length;
            _max = max;
            Current = default;
        }

        public TlpChunk Current { get; private set; }

        public readonly RequestEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_remaining == 0)
            {
                return false;
            }

            var toPage = PageBytes - (int)(_next & (PageBytes - 1));
            var n = (int)Math.Min(_remaining, Math.Min(_max, toPage));
            Current = new TlpChunk(_next, n, n, (byte)(_next & 0x7F));
            _next += (ulong)n;
            _remaining -= n;
            return true;
        }
    }

    /// <summary>
    /// Completion splitting: each completion but the last ends on an RCB-aligned address, and carries at most the
    /// policy's size (MPS, or one RCB block).
    /// </summary>
    public struct CompletionEnumerator
    {
        private readonly int _rcb;
        private readonly int _max;
        private ulong _next;
        private int _remaining;

        internal CompletionEnumerator(ulong address, int length, int rcb, int max)
        {
            _next = address;
            _remaining = length;
            _rcb = rcb;
            _max = max;
            Current = default;
        }

        public TlpChunk Current { get; private set; }

        public readonly CompletionEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_remaining == 0)
            {
                return false;
            }

            int n;
            if (_remaining <= _max)
            {
                // Everything left fits in one completion that ends the request (the last need not end on RCB).
                n = _remaining;
            }
            else
            {
                var end = (_next + (ulong)_max) & ~(ulong)(_rcb - 1);
                n = (int)(end - _next);
            }

            Current = new TlpChunk(_next, n, _remaining, (byte)(_next & 0x7F));
            _next += (ulong)n;
            _remaining -= n;
            return true;
        }
    }
}
