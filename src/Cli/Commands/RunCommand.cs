using System.CommandLine;
using SevTio.Cli.Configuration;
using SevTio.Cli.Results;
using SevTio.Cli.Telemetry;
using Spectre.Console;

namespace SevTio.Cli.Commands;

/// <summary><c>sevtio run</c>: one scenario, a summary table on stdout, optional JSON and CSV results.</summary>
internal static class RunCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var scenario = new Option<FileInfo?>("--scenario") { Description = "Scenario file (JSON; nested objects or dotted keys)." };
        var set = new Option<string[]>("--set") { Description = "Override a key: --set link.gen=4 (repeatable).", AllowMultipleArgumentsPerToken = false, Arity = ArgumentArity.ZeroOrMore };
        var json = new Option<FileInfo?>("--json") { Description = "Write the result as JSON." };
        var csv = new Option<FileInfo?>("--csv") { Description = "Write the result as CSV." };
        var quiet = new Option<bool>("--quiet") { Description = "No summary table and no progress." };
        var metrics = new Option<string?>("--metrics") { Description = "Export metrics: 'console'." };
        var otlp = new Option<string?>("--otlp") { Description = "Send traces and metrics to an OTLP/HTTP receiver, e.g. http://127.0.0.1:4318." };

        var cmd = new Command("run", "Run one scenario (default: the full trust flow, then bulk DMA into private memory over Gen5 x16 with IDE).")
        {
            scenario, set, json, csv, quiet, metrics, otlp,
        };
        cmd.SetAction(parse =>
        {
            var config = new ScenarioConfig();
            if (parse.GetValue(scenario) is { } file)
            {
                config.LoadFile(file.FullName);
            }

            foreach (var assignment in parse.GetValue(set) ?? [])
            {
                config.SetAssignment(assignment);
            }

            config.Validate();
            var metricsMode = parse.GetValue(metrics);
            if (metricsMode is not null and not "console" and not "none")
            {
                throw new Hw.Simulation.ParameterException("--metrics", metricsMode, "is not one of console, none");
            }

            var otlpUri = parse.GetValue(otlp) is { } o ? TelemetrySession.ParseOtlp(o) : null;
            RunResult result;
            using (new TelemetrySession(metricsMode == "console", otlpUri))
            {
                result = Running.ScenarioRunner.Run(config);
            }

            if (parse.GetValue(json) is { } jsonFile)
            {
                File.WriteAllText(jsonFile.FullName, result.ToJson());
            }

            if (parse.GetValue(csv) is { } csvFile)
            {
                File.WriteAllText(csvFile.FullName, result.ToCsv());
            }

            if (!parse.GetValue(quiet))
            {
                Summary(result, output);
            }

            return SevTioCommand.ExitOk;
        });
        return cmd;
    }

    private static void Summary(RunResult result, TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        var table = new Table().Title($"sevtio run: {Markup.Escape(result.Scenario)}").AddColumn("key").AddColumn("value");
        foreach (var (k, v) in result.Config)
        {
            table.AddRow(Markup.Escape(k), Markup.Escape(v));
        }

        console.Write(table);
        if (result.Metrics.Count == 0)
        {
            console.WriteLine("Configuration resolved. The simulated data path (issue C2) is not part of this build yet.");
        }
    }
}
