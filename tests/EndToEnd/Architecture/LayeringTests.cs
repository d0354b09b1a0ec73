using System.Reflection;

namespace SevTio.EndToEnd.Tests.Architecture;

/// <summary>
/// DESIGN.md, "Layers": dependencies point down the table. Read from the compiled assemblies' metadata, so a
/// reference that sneaks in through a project file or a package fails here, not in review.
/// </summary>
public class LayeringTests
{
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["SevTio.Hw"] = [],
        ["SevTio.Protocols"] = [],
        ["SevTio.Firmware"] = ["SevTio.Hw", "SevTio.Protocols"],
        ["SevTio.Host"] = ["SevTio.Hw", "SevTio.Protocols", "SevTio.Firmware"],
        ["SevTio.Guest"] = ["SevTio.Hw", "SevTio.Protocols"],
        ["SevTio.Cli"] = ["SevTio.Hw", "SevTio.Protocols", "SevTio.Firmware", "SevTio.Host", "SevTio.Guest"],
    };

    public static TheoryData<string> Layers => new(Allowed.Keys);

    public static TheoryData<string> Libraries => new(Allowed.Keys.Where(k => k != "SevTio.Cli"));

    private static Assembly Load(string name) =>
        Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, name + ".dll"));

    [Theory]
    [MemberData(nameof(Layers))]
    public void Assembly_ReferencesOnlyLayersBelowIt(string layer)
    {
        var ours = Load(layer).GetReferencedAssemblies()
            .Select(r => r.Name!)
            .Where(n => n.StartsWith("SevTio.", StringComparison.Ordinal))
            .ToArray();
        var forbidden = ours.Except(Allowed[layer]).ToArray();
        Assert.True(forbidden.Length == 0, $"{layer} references {string.Join(", ", forbidden)}, which DESIGN.md does not allow");
    }

    [Theory]
    [MemberData(nameof(Libraries))]
    public void Library_DoesNotReferenceOpenTelemetrySdk(string layer)
    {
        var otel = Load(layer).GetReferencedAssemblies().Where(r => r.Name!.StartsWith("OpenTelemetry", StringComparison.Ordinal)).ToArray();
        Assert.True(otel.Length == 0, $"{layer} references {string.Join(", ", otel.Select(r => r.Name))}; libraries use System.Diagnostics only");
    }
}
