using SevTio.Hw.Device;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Tests.Device;

public sealed class LatencyHistogramTests
{
    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.99)]
    [InlineData(0.999)]
    public void Percentile_MatchesExactOrderStatisticWithinTwoPerMille(double q)
    {
        var random = new Random(3);
        var values = new long[20000];
        var h = new LatencyHistogram();
        for (var i = 0; i < values.Length; i++)
        {
            // Log-uniform from 100 ps to 100 us.
            values[i] = (long)Math.Exp(Math.Log(100) + (random.NextDouble() * Math.Log(1e6)));
            h.Record(SimTime.FromPicoseconds(values[i]));
        }

        Array.Sort(values);
        var exact = values[(int)Math.Ceiling(q * values.Length) - 1];
        var reported = h.Percentile(q).Picoseconds;
        Assert.InRange(reported, exact * 0.998, exact * 1.002);
        Assert.Equal(values.Length, h.Count);
        Assert.Equal(values[0], h.Min.Picoseconds);
        Assert.Equal(values[^1], h.Max.Picoseconds);
        Assert.Equal(values.Sum() / values.Length, h.Mean.Picoseconds);
    }

    [Fact]
    public void Percentile_SmallValuesAreExact_EmptyIsZero()
    {
        var h = new LatencyHistogram();
        Assert.Equal(SimTime.Zero, h.Percentile(0.5));
        foreach (var v in new long[] { 5, 1, 900, 3 })
        {
            h.Record(SimTime.FromPicoseconds(v));
        }

        Assert.Equal(3, h.Percentile(0.5).Picoseconds);
        Assert.Equal(900, h.Percentile(1).Picoseconds);
    }

    [Fact]
    public void RecordWithCount_RecordsWhatAsManySingleRecordsRecord()
    {
        // Runs of equal values (as a burst-level data phase records them) against one Record per value; the
        // expected figures are the exact order statistics and sums of the same values.
        var random = new Random(11);
        var runs = new List<(long Value, int Count)>();
        for (var i = 0; i < 300; i++)
        {
            runs.Add(((long)Math.Exp(Math.Log(50) + (random.NextDouble() * Math.Log(1e7))), random.Next(0, 40)));
        }

        runs.Add((-5, 3)); // a negative duration counts as zero, as in Record(SimTime)
        var single = new LatencyHistogram();
        var batched = new LatencyHistogram();
        var values = new List<long>();
        foreach (var (value, count) in runs)
        {
            for (var i = 0; i < count; i++)
            {
                single.Record(SimTime.FromPicoseconds(value));
                values.Add(Math.Max(0, value));
            }

            batched.Record(SimTime.FromPicoseconds(value), count);
        }

        values.Sort();
        Assert.Equal(values.Count, batched.Count);
        Assert.Equal(values.Sum(), batched.Total.Picoseconds);
        Assert.Equal(values[0], batched.Min.Picoseconds);
        Assert.Equal(values[^1], batched.Max.Picoseconds);
        foreach (var q in new[] { 0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0 })
        {
            Assert.Equal(single.Percentile(q), batched.Percentile(q));
        }

        Assert.Equal(single.Count, batched.Count);
        Assert.Equal(single.Total, batched.Total);
        Assert.Equal(single.Mean, batched.Mean);
    }

    [Fact]
    public void RecordWithCount_ZeroOrNegativeCountRecordsNothing()
    {
        var h = new LatencyHistogram();
        h.Record(SimTime.FromPicoseconds(400), 0);
        h.Record(SimTime.FromPicoseconds(400), -2);
        Assert.Equal(0, h.Count);
        Assert.Equal(SimTime.MaxValue, h.Min);
        Assert.Equal(SimTime.Zero, h.Max);
    }

    [Fact]
    public void RecordTransfers_CountsBytesLatencyAndSpanAsSingleRecords()
    {
        var runs = new (bool Write, int Bytes, long Count, long Latency, long FirstIssued)[]
        {
            (true, 4096, 7, 900_000, 1_000), (true, 4096, 1, 950_000, 500), (false, 512, 3, 2_000_000, 10_000), (true, 300, 0, 1, 0),
        };
        var single = new DmaStatistics();
        var batched = new DmaStatistics();
        foreach (var (write, bytes, count, latency, first) in runs)
        {
            var last = SimTime.Zero;
            for (var i = 0; i < count; i++)
            {
                var issued = SimTime.FromPicoseconds(first + (i * 80_000));
                last = issued + SimTime.FromPicoseconds(latency);
                single.RecordTransfer(write, bytes, issued, last);
            }

            batched.RecordTransfers(write, bytes, count, SimTime.FromPicoseconds(latency), SimTime.FromPicoseconds(first), last);
        }

        Assert.Equal(8, batched.TransfersWritten);
        Assert.Equal(3, batched.TransfersRead);
        Assert.Equal((8 * 4096) + (3 * 512), batched.Bytes);
        Assert.Equal(SimTime.FromPicoseconds(500), batched.FirstDataIssued);
        Assert.Equal(SimTime.FromPicoseconds(10_000 + (2 * 80_000) + 2_000_000), batched.LastDataDone);
        Assert.Equal(single.TransfersWritten, batched.TransfersWritten);
        Assert.Equal(single.BytesRead, batched.BytesRead);
        Assert.Equal(single.WriteLatency.Total, batched.WriteLatency.Total);
        Assert.Equal(single.ReadLatency.Percentile(0.5), batched.ReadLatency.Percentile(0.5));
        Assert.Equal(single.LastDataDone, batched.LastDataDone);
    }
}
