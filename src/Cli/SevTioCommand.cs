using System.CommandLine;

namespace SevTio.Cli;

/// <summary>The <c>sevtio</c> command tree (DESIGN.md, "The command line").</summary>
public static class SevTioCommand
{
    public static int Invoke(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var root = new RootCommand("SevTio: a cycle-approximate model of AMD SEV-TIO trusted device I/O.");
        var config = new InvocationConfiguration
        {
            Output = stdout ?? Console.Out,
            Error = stderr ?? Console.Error,
        };
        return root.Parse(args).Invoke(config);
    }
}
