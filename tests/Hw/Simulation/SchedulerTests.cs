using SevTio.Hw.Simulation;

namespace SevTio.Hw.Tests.Simulation;

public class SchedulerTests
{
    private sealed class Recorder : ISimEventHandler
    {
        public readonly List<(long TimePs, long Arg0, long Arg1)> Log = [];

        public void OnEvent(Scheduler scheduler, long arg0, long arg1) => Log.Add((scheduler.Now.Picoseconds, arg0, arg1));
    }

    [Fact]
    public void Run_EqualTimeAndPriority_RunsInScheduleOrder()
    {
        var s = new Scheduler();
        var r = new Recorder();
        for (var i = 0; i < 100; i++)
        {
            s.Schedule(SimTime.FromNanoseconds(5), r, EventPriority.Default, i);
        }

        s.RunUntilIdle();
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), r.Log.Select(e => e.Arg0));
    }

    [Fact]
    public void Run_SameTime_OrdersByPriorityClassThenFifo()
    {
        var s = new Scheduler();
        var r = new Recorder();
        var t = SimTime.FromNanoseconds(1);
        s.Schedule(t, r, EventPriority.Statistics, 1);
        s.Schedule(t, r, EventPriority.Request, 2);
        s.Schedule(t, r, EventPriority.CreditReturn, 3);
        s.Schedule(t, r, EventPriority.Request, 4);
        s.Schedule(t, r, EventPriority.Completion, 5);
        s.Schedule(SimTime.FromPicoseconds(999), r, EventPriority.Statistics, 6);
        s.RunUntilIdle();
        Assert.Equal(new long[] { 6, 3, 5, 2, 4, 1 }, r.Log.Select(e => e.Arg0));
    }

    [Fact]
    public void Run_EventsInRandomOrder_RunInTimeOrder()
    {
        var s = new Scheduler(4);
        var r = new Recorder();
        var rng = new Random(3);
        var times = Enumerable.Range(0, 5000).Select(_ => rng.NextInt64(0, 1_000_000)).ToArray();
        foreach (var t in times)
        {
            s.Schedule(SimTime.FromPicoseconds(t), r, EventPriority.Default, t);
        }

        s.RunUntilIdle();
        Assert.Equal(times.Order(), r.Log.Select(e => e.TimePs));
        Assert.Equal(5000, s.EventsExecuted);
    }

    [Fact]
    public void RunUntil_StopsAtLimitAndAdvancesNow()
    {
        var s = new Scheduler();
        var r = new Recorder();
        s.Schedule(SimTime.FromNanoseconds(1), r, arg0: 1);
        s.Schedule(SimTime.FromNanoseconds(2), r, arg0: 2);
        s.Schedule(SimTime.FromNanoseconds(3), r, arg0: 3);
        s.RunUntil(SimTime.FromNanoseconds(2));
        Assert.Equal(new long[] { 1, 2 }, r.Log.Select(e => e.Arg0));
        Assert.Equal(SimTime.FromNanoseconds(2), s.Now);
        Assert.Equal(1, s.PendingCount);
        s.RunUntil(SimTime.FromNanoseconds(10));
        Assert.Equal(SimTime.FromNanoseconds(10), s.Now);
        Assert.Equal(0, s.PendingCount);
    }

    [Fact]
    public void Cancel_PendingEvent_NeverRuns()
    {
        var s = new Scheduler();
        var r = new Recorder();
        var handles = Enumerable.Range(0, 50).Select(i => s.Schedule(SimTime.FromNanoseconds(i % 7), r, arg0: i)).ToArray();
        var cancelled = new HashSet<long>();
        for (var i = 0; i < 50; i += 3)
        {
            Assert.True(s.Cancel(handles[i]));
            Assert.False(s.Cancel(handles[i]));
            cancelled.Add(i);
        }

        s.RunUntilIdle();
        var expected = Enumerable.Range(0, 50).Where(i => !cancelled.Contains(i)).OrderBy(i => i % 7).ThenBy(i => i).Select(i => (long)i);
        Assert.Equal(expected, r.Log.Select(e => e.Arg0));
        Assert.False(s.Cancel(handles[1]));
        Assert.False(s.Cancel(EventHandle.None));
    }

    [Fact]
    public void Cancel_StaleHandleAfterSlotReuse_DoesNotCancelNewEvent()
    {
        var s = new Scheduler();
        var r = new Recorder();
        var old = s.Schedule(SimTime.FromNanoseconds(1), r, arg0: 1);
        s.RunUntilIdle();
        s.Schedule(SimTime.FromNanoseconds(2), r, arg0: 2);
        Assert.False(s.Cancel(old));
        s.RunUntilIdle();
        Assert.Equal(new long[] { 1, 2 }, r.Log.Select(e => e.Arg0));
    }

    [Fact]
    public void Schedule_InThePast_Throws()
    {
        var s = new Scheduler();
        var r = new Recorder();
        s.RunUntil(SimTime.FromNanoseconds(5));
        Assert.Throws<InvalidOperationException>(() => s.Schedule(SimTime.FromNanoseconds(4), r));
    }

    private sealed class HoldModel(Random rng, int remaining) : ISimEventHandler
    {
        private int _remaining = remaining;

        public void OnEvent(Scheduler scheduler, long arg0, long arg1)
        {
            if (--_remaining > 0)
            {
                scheduler.ScheduleAfter(SimTime.FromPicoseconds(rng.Next(1, 10_000)), this, (EventPriority)(rng.Next(0, 3) * 20 + 10), arg0 + 1);
            }
        }
    }

    [Fact]
    public void Run_MillionEventsInSteadyState_AllocatesNothing()
    {
        var s = new Scheduler(2048);
        var model = new HoldModel(new Random(11), 1_000_000);
        for (var i = 0; i < 1024; i++)
        {
            s.Schedule(SimTime.FromPicoseconds(i), model);
        }

        s.RunUntil(SimTime.FromNanoseconds(100)); // warm: tables at their peak, JIT done
        var before = GC.GetAllocatedBytesForCurrentThread();
        var executedBefore = s.EventsExecuted;
        s.RunUntilIdle();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(s.EventsExecuted - executedBefore > 900_000);
        Assert.Equal(0, allocated);
    }

    private static List<(long, long, long)> Trace(int seed)
    {
        var s = new Scheduler();
        var r = new Recorder();
        var rng = new Random(seed);
        for (var i = 0; i < 20_000; i++)
        {
            s.Schedule(SimTime.FromPicoseconds(rng.Next(0, 500)), r, (EventPriority)rng.Next(0, 256), i, rng.Next());
        }

        s.RunUntilIdle();
        return r.Log;
    }

    [Fact]
    public void Run_SameInputs_IdenticalTraceAcrossRuns() => Assert.Equal(Trace(5), Trace(5));
}
