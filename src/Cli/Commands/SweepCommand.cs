using System.CommandLine;
using SevTio.Cli.Configuration;
using SevTio.Cli.Sweeps;
using SevTio.Hw.Simulation;
using Spectre.Console;

namespace SevTio.Cli.Commands;

/// <summary><c>sevtio sweep</c>: the cross product of <c>--vary</c> keys over a scenario, run across cores, written to <c>--out</c>.</summary>
internal static class SweepCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var scenario = new Option<FileInfo?>("--scenario") { Description = "Base scenario file (JSON)." };
        var vary = new Option<string[]>("--vary") { Description = "A key and its values: --vary link.gen=3,4,5 (repeatable; the first varies slowest).", Arity = ArgumentArity.ZeroOrMore };
        var set = new Option<string[]>("--set") { Description = "Override a key for every point (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var outDir = new Option<DirectoryInfo>("--out") { Description = "Output directory for results.json, results.csv, results.md and plots.", DefaultValueFactory = _ => new DirectoryInfo("sweep-out") };
        var jobs = new Option<int>("--jobs") { Description = "Points run in parallel (default: one per core).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var quiet = new Option<bool>("--quiet") { Description = "No progress and no table." };
        var preset = new Option<string?>("--preset") { Description = "A built-in sweep that answers one question (see --list-presets): its scenario and axes; --set still applies." };
        var listPresets = new Option<bool>("--list-presets") { Description = "List the built-in sweeps and exit." };

        var cmd = new Command("sweep", "Run the cross product of varied keys over a scenario, in parallel, and write results and plots.")
        {
            scenario, vary, set, outDir, jobs, quiet, preset, listPresets,
        };
        cmd.SetAction(parse =>
        {
            if (parse.GetValue(listPresets))
            {
                foreach (var p in SweepPreset.All)
                {
                    var points = p.Axes.Aggregate(1, (n, a) => n * a.Values.Count);
                    output.WriteLine($"{p.Name}: {p.Question}");
                    output.WriteLine($"    {string.Join(" × ", p.Axes.Select(a => $"{a.Key}={string.Join(",", a.Values)}"))} ({points} points; {string.Join(", ", p.Settings)})");
                }

                return SevTioCommand.ExitOk;
            }

            var file = parse.GetValue(scenario);
            var chosen = parse.GetValue(preset) is { } presetName
                ? SweepPreset.Find(presetName) ?? throw new ParameterException("--preset", presetName, $"is not one of {string.Join(", ", SweepPreset.All.Select(p => p.Name))}")
                : null;
            var sets = (chosen?.Settings ?? []).Concat(parse.GetValue(set) ?? []).ToList();
            var axes = (parse.GetValue(vary) ?? []).Select(SweepAxis.Parse).ToList();
            if (chosen is not null)
            {
                if (axes.Count > 0)
                {
                    throw new ParameterException("--vary", string.Join(" ", parse.GetValue(vary)!), $"cannot be combined with --preset (the preset varies {string.Join(", ", chosen.Axes.Select(a => a.Key))})");
                }

                axes = [.. chosen.Axes];
            }

            if (axes.Count == 0)
            {
                throw new ParameterException("--vary", null, "is required: give at least one --vary key=v1,v2,... (or a --preset)");
            }

            foreach (var dup in axes.GroupBy(a => a.Key).Where(g => g.Count() > 1))
            {
                throw new ParameterException(dup.Key, null, "is varied more than once");
            }

            if (parse.GetValue(jobs) < 1)
            {
                throw new ParameterException("--jobs", parse.GetValue(jobs).ToString(System.Globalization.CultureInfo.InvariantCulture), "must be at least 1");
            }

            ScenarioConfig Base()
            {
                var c = new ScenarioConfig();
                if (file is not null)
                {
                    c.LoadFile(file.FullName);
                }

                foreach (var s in sets)
                {
                    c.SetAssignment(s);
                }

                return c;
            }

            var sweep = Sweep.Plan(Base, axes);
            var dir = parse.GetValue(outDir)!.FullName;
            RunWithProgress(sweep, parse.GetValue(jobs), parse.GetValue(quiet), error);
            SweepReport.Write(sweep, dir);
            var plots = SweepPlots.Write(sweep, dir);
            var table = SweepReport.ToMarkdown(sweep);
            if (chosen is not null)
            {
                // The preset's answer first: its own table, with every figure still in results.csv/json.
                table = SweepReport.ToMarkdown(sweep, chosen);
                File.WriteAllText(Path.Combine(dir, "results.md"), table);
                plots = [.. plots, .. SweepPlots.WriteComparison(sweep, dir, chosen)];
            }

            if (!parse.GetValue(quiet))
            {
                output.Write(table);
                output.WriteLine($"{sweep.Points.Count} points written to {dir} (results.json, results.csv, results.md{(plots.Count > 0 ? ", " + string.Join(", ", plots.Select(Path.GetFileName)) : string.Empty)})");
            }

            return SevTioCommand.ExitOk;
        });
        return cmd;
    }

    private static void RunWithProgress(Sweep sweep, int jobs, bool quiet, TextWriter error)
    {
        var total = sweep.Points.Count;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(error) });
        var interactive = !quiet && console.Profile.Capabilities.Interactive && Environment.GetEnvironmentVariable("CI") is null;
        if (interactive)
        {
            console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask($"sweep ({total} points)", maxValue: total);
                    sweep.Run(jobs, _ => task.Increment(1));
                });
            return;
        }

        // Not a terminal (CI logs): a plain line at every tenth of the way, never a redrawn bar.
        var done = 0;
        var lastDecile = -1;
        var gate = new object();
        sweep.Run(jobs, _ =>
        {
            lock (gate)
            {
                done++;
                var decile = done * 10 / total;
                if (!quiet && decile != lastDecile)
                {
                    lastDecile = decile;
                    error.WriteLine($"sweep: {done}/{total} points ({done * 100 / total}%)");
                }
            }
        });
    }
}
