using BenchmarkDotNet.Running;
using SevTio.Benchmarks.Compare;

namespace SevTio.Benchmarks;

public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "compare")
        {
            return CompareCommand.Run(args[1..], Console.Out, Console.Error);
        }

        if (args.Length > 0 && args[0] == "allocations")
        {
            return Allocations.AllocationProbe.Run(args[1..], Console.Out, Console.Error);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
