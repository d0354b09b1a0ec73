using System.CommandLine;
using SevTio.Cli.Attacks;
using Spectre.Console;

namespace SevTio.Cli.Commands;

/// <summary>
/// <c>sevtio attack NAME|all|--list</c>: runs attacks of issue 10's suite (<see cref="AttackCatalog"/>) and prints what
/// happened. Exit 0 only if every attack run was stopped by the party that must stop it (<see cref="AttackOutcome.Stopped"/>),
/// 1 otherwise, 2 for an unknown name.
/// </summary>
internal static class AttackCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var name = new Argument<string?>("name") { Description = "An attack's name (see --list), or 'all'.", Arity = ArgumentArity.ZeroOrOne };
        var list = new Option<bool>("--list") { Description = "Print every attack's name, one per line." };
        var seed = new Option<int>("--seed") { Description = "Seed of the platform, keys and canaries.", DefaultValueFactory = _ => 1 };
        var cmd = new Command("attack", "Run an attack of the security suite (or all of them) and show who stopped it.") { name, list, seed };
        cmd.SetAction(parse =>
        {
            if (parse.GetValue(list))
            {
                foreach (var attack in AttackCatalog.All)
                {
                    output.WriteLine(attack.Name);
                }

                return SevTioCommand.ExitOk;
            }

            var which = parse.GetValue(name);
            if (string.IsNullOrEmpty(which))
            {
                error.WriteLine("sevtio attack: give an attack's name, 'all', or --list");
                return SevTioCommand.ExitUsage;
            }

            var s = parse.GetValue(seed);
            if (which == "all")
            {
                var outcomes = AttackCatalog.All.Select(a => a.Run(s)).ToList();
                Table(outcomes, output);
                var stopped = outcomes.Count(o => o.Stopped);
                output.WriteLine($"{stopped} of {outcomes.Count} attacks stopped by the party that must stop them.");
                return stopped == outcomes.Count ? SevTioCommand.ExitOk : SevTioCommand.ExitCheckFailed;
            }

            var one = AttackCatalog.Find(which);
            if (one is null)
            {
                error.WriteLine($"sevtio attack: no attack named '{which}' (see 'sevtio attack --list')");
                return SevTioCommand.ExitUsage;
            }

            var outcome = one.Run(s);
            Detail(one, outcome, output);
            return outcome.Stopped ? SevTioCommand.ExitOk : SevTioCommand.ExitCheckFailed;
        });
        return cmd;
    }

    private static void Table(IReadOnlyList<AttackOutcome> outcomes, TextWriter output)
    {
        var console = Console(output);
        var table = new Table().Title("sevtio attack all").AddColumn("attack").AddColumn("must stop").AddColumn("detected by").AddColumn("answer").AddColumn("benign twin").AddColumn("leaks").AddColumn("result");
        foreach (var o in outcomes)
        {
            table.AddRow(
                Markup.Escape(o.Name),
                o.Expected.ToString(),
                o.DetectedBy.ToString(),
                Markup.Escape(o.Answer),
                o.BenignAccepted ? "accepted" : "[red]refused[/]",
                o.Leaks.Count == 0 ? "none" : $"[red]{o.Leaks.Count}[/]",
                o.Stopped ? "[green]stopped[/]" : "[red]NOT STOPPED[/]");
        }

        console.Write(table);
    }

    private static void Detail(Attack attack, AttackOutcome o, TextWriter output)
    {
        var console = Console(output);
        var table = new Table().Title(Markup.Escape($"sevtio attack {attack.Name} (issue 10 item {attack.Item})")).AddColumn("").AddColumn("");
        table.AddRow("attack", Markup.Escape(attack.Description));
        table.AddRow("must stop it", o.Expected.ToString());
        table.AddRow("detected by", o.DetectedBy.ToString());
        table.AddRow("answer", Markup.Escape(o.Answer));
        table.AddRow("forged data committed", o.ForgedCommitted ? "[red]yes[/]" : "no");
        table.AddRow("benign twin", o.BenignAccepted ? "accepted" : "[red]refused[/]");
        table.AddRow("guest plaintext in host-visible places", o.Leaks.Count == 0 ? "none" : Markup.Escape(string.Join("; ", o.Leaks)));
        table.AddRow("result", o.Stopped ? "[green]stopped[/]" : "[red]NOT STOPPED[/]");
        console.Write(table);
        foreach (var line in o.Details)
        {
            output.WriteLine("  " + line);
        }
    }

    /// <summary>A console on <paramref name="output"/>, wide enough for the table when it is not a terminal (a file, a pipe, a test).</summary>
    private static IAnsiConsole Console(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        if (!console.Profile.Capabilities.Interactive)
        {
            console.Profile.Width = 180;
        }

        return console;
    }
}
