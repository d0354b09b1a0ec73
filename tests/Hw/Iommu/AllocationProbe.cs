namespace SevTio.Hw.Tests.Iommu;

internal static class AllocationProbe
{
    /// <summary>
    /// Fewest bytes this thread allocated over any of several windows of <paramref name="calls"/> calls. A per-call
    /// allocation shows in every window; one-off runtime work (tier-up of the JIT, type initialisation) in only some.
    /// </summary>
    public static long MinimumBytesPerWindow(Action call, int calls = 10_000, int windows = 5)
    {
        var minimum = long.MaxValue;
        for (var w = 0; w < windows; w++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < calls; i++)
            {
                call();
            }

            minimum = Math.Min(minimum, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return minimum;
    }
}
