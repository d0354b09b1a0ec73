using System.CommandLine;
using SevTio.Cli.Commands;
using SevTio.Hw.Simulation;

namespace SevTio.Cli;

/// <summary>The <c>sevtio</c> command tree (DESIGN.md, "The command line"). Exit codes: 0 ok, 1 a check failed, 2 bad usage.</summary>
public static class SevTioCommand
{
    public const int ExitOk = 0;
    public const int ExitCheckFailed = 1;
    public const int ExitUsage = 2;

    public static int Invoke(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var output = stdout ?? Console.Out;
        var error = stderr ?? Console.Error;
        var root = new RootCommand("SevTio: a cycle-approximate model of AMD SEV-TIO trusted device I/O.");
        root.Subcommands.Add(RunCommand.Create(output, error));
        root.Subcommands.Add(SweepCommand.Create(output, error));
        root.Subcommands.Add(KeysCommand.Create(output));
        root.Subcommands.Add(AttackCommand.Create(output, error));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                error.WriteLine($"sevtio: {e.Message}");
            }

            error.WriteLine("Run 'sevtio --help' for usage.");
            return ExitUsage;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (ParameterException e)
        {
            error.WriteLine($"sevtio: configuration error: {e.Message}");
            return ExitUsage;
        }
        catch (Running.FlowCheckException e)
        {
            error.WriteLine($"sevtio: check failed: {e.Message}");
            return ExitCheckFailed;
        }
    }
}
