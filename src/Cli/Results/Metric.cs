namespace SevTio.Cli.Results;

/// <summary>One reported figure with its unit and a short description (gem5 stats style).</summary>
public sealed record Metric(string Name, double Value, string Unit, string Description);
