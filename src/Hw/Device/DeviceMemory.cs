namespace SevTio.Hw.Device;

/// <summary>
/// The device's own memory (its data buffers): the source of DMA writes and the destination of DMA reads. A power of
/// two of bytes, addressed circularly, so a job can stream more data than the buffer holds (it repeats).
/// </summary>
public sealed class DeviceMemory
{
    private readonly byte[] _bytes;
    private readonly long _mask;

    public DeviceMemory(long size)
    {
        if (size < 4096 || !long.IsPow2(size) || size > (1L << 30))
        {
            throw new Simulation.ParameterException("device.memory", size.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be a power of two from 4 KiB to 1 GiB");
        }

        _bytes = GC.AllocateUninitializedArray<byte>((int)size, pinned: true);
        Array.Clear(_bytes);
        _mask = size - 1;
    }

    public long Size => _bytes.Length;

    /// <summary>The whole memory (tests fill or inspect it).</summary>
    public Span<byte> Span => _bytes;

    /// <summary>Copies <paramref name="destination"/>.Length bytes starting at <paramref name="offset"/> (wrapping).</summary>
    public void Read(long offset, Span<byte> destination)
    {
        var at = (int)(offset & _mask);
        var first = Math.Min(destination.Length, _bytes.Length - at);
        _bytes.AsSpan(at, first).CopyTo(destination);
        var rest = destination[first..];
        var from = 0;
        while (!rest.IsEmpty)
        {
            var n = Math.Min(rest.Length, _bytes.Length);
            _bytes.AsSpan(from, n).CopyTo(rest);
            rest = rest[n..];
        }
    }

    /// <summary>Stores <paramref name="source"/> starting at <paramref name="offset"/> (wrapping).</summary>
    public void Write(long offset, ReadOnlySpan<byte> source)
    {
        while (!source.IsEmpty)
        {
            var at = (int)(offset & _mask);
            var n = Math.Min(source.Length, _bytes.Length - at);
            source[..n].CopyTo(_bytes.AsSpan(at, n));
            source = source[n..];
            offset += n;
        }
    }

    /// <summary>A writable span of at most <paramref name="length"/> bytes at <paramref name="offset"/>, up to the wrap point.</summary>
    public Span<byte> Contiguous(long offset, int length)
    {
        var at = (int)(offset & _mask);
        return _bytes.AsSpan(at, Math.Min(length, _bytes.Length - at));
    }
}
