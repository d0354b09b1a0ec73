using System.Text.Json;

namespace SevTio.Cli.Tests;

public class CommandLineTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = SevTioCommand.Invoke(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Theory]
    [InlineData("run", "--set", "link.mps=300X")]
    [InlineData("run", "--set", "ide.aggregation=8")]
    [InlineData("run", "--set", "bogus.key=1")]
    [InlineData("run", "--no-such-option")]
    [InlineData("frobnicate")]
    public void Invoke_BadUsage_ExitsTwoWithMessage(params string[] args)
    {
        var (exit, _, err) = Run(args);
        Assert.Equal(2, exit);
        Assert.StartsWith("sevtio: ", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Invoke_BadValue_MessageNamesKeyAndValue()
    {
        var (_, _, err) = Run("run", "--set", "link.mps=300X");
        Assert.Contains("link.mps", err, StringComparison.Ordinal);
        Assert.Contains("300X", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_Json_HoldsResolvedConfigAndProvenance()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sevtio-test-{Guid.NewGuid():N}.json");
        try
        {
            var (exit, _, _) = Run("run", "--quiet", "--set", "link.gen=4", "--set", "workload.total=1MiB", "--set", "workload.window=1MiB", "--json", path);
            Assert.Equal(0, exit);
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            Assert.Equal("sevtio.run/1", doc.RootElement.GetProperty("schema").GetString());
            Assert.Equal("4", doc.RootElement.GetProperty("config").GetProperty("link.gen").GetString());
            Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("provenance").GetProperty("runtime").GetString()));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Keys_ListsEveryContractKey()
    {
        var (exit, output, _) = Run("keys");
        Assert.Equal(0, exit);
        foreach (var key in new[] { "link.gen", "ide.aggregation", "host.completion_split", "workload.pattern", "sim.fidelity", "seed" })
        {
            Assert.Contains(key, output, StringComparison.Ordinal);
        }
    }
}
