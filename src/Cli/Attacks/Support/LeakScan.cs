using SevTio.Hw.Memory;

namespace SevTio.Cli.Attacks.Support;

/// <summary>Searches what the host can read for a canary or a secret: raw physical memory, byte buffers.</summary>
internal static class LeakScan
{
    /// <summary>Addresses of every occurrence (one per page, across page boundaries too) of <paramref name="needle"/> in the touched pages of raw memory.</summary>
    public static List<ulong> FindInMemory(PhysicalMemory memory, ReadOnlySpan<byte> needle)
    {
        var hits = new List<ulong>();
        var window = new byte[8192];
        for (ulong address = 0; address < memory.Size; address += 4096)
        {
            if (!memory.IsTouched(address))
            {
                continue;
            }

            memory.Read(address, window.AsSpan(0, 4096));
            if (address + 4096 < memory.Size && memory.IsTouched(address + 4096))
            {
                memory.Read(address + 4096, window.AsSpan(4096));
            }
            else
            {
                window.AsSpan(4096).Clear();
            }

            var at = window.AsSpan().IndexOf(needle);
            if (at >= 0 && at < 4096)
            {
                hits.Add(address + (ulong)at);
            }
        }

        return hits;
    }

    /// <summary>A seeded random canary: bytes no model code produces by chance.</summary>
    public static byte[] Canary(int seed, int length = 32, int salt = 0)
    {
        var bytes = new byte[length];
        new Random(unchecked((seed * 7919) + salt + 0x5CA1AB1E)).NextBytes(bytes);
        return bytes;
    }
}
