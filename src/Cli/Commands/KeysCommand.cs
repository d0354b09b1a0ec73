using System.CommandLine;
using SevTio.Cli.Configuration;

namespace SevTio.Cli.Commands;

/// <summary><c>sevtio keys</c>: every configuration key with its default and meaning.</summary>
internal static class KeysCommand
{
    public static Command Create(TextWriter output)
    {
        var cmd = new Command("keys", "List every configuration key with its default and meaning.");
        cmd.SetAction(_ =>
        {
            foreach (var k in ConfigKeys.All)
            {
                output.WriteLine($"{k.Name,-28} {k.Format(k.Default),-12} {k.Description}");
            }

            return SevTioCommand.ExitOk;
        });
        return cmd;
    }
}
