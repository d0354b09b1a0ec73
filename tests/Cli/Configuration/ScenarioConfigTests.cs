using SevTio.Cli.Configuration;
using SevTio.Hw.Simulation;

namespace SevTio.Cli.Tests.Configuration;

public class ScenarioConfigTests
{
    [Fact]
    public void Defaults_MatchDesignContract()
    {
        // DESIGN.md, "The command line": the default of every key.
        var c = new ScenarioConfig();
        c.Validate();
        var expected = new Dictionary<string, string>
        {
            ["link.gen"] = "5", ["link.width"] = "16", ["link.flit"] = "false",
            ["link.mps"] = "256B", ["link.mrrs"] = "512B", ["link.rcb"] = "64B",
            ["ide.enabled"] = "true", ["ide.aggregation"] = "1", ["ide.pcrc"] = "false",
            ["iommu.enabled"] = "true", ["iommu.iotlb_entries"] = "64", ["iommu.page_size"] = "4kib",
            ["host.read_latency"] = "550.000ns", ["host.completion_split"] = "mps",
            ["device.read_tags"] = "32",
            ["workload.direction"] = "write", ["workload.transfer_size"] = "4KiB", ["workload.total"] = "256MiB",
            ["workload.window"] = "64MiB", ["workload.job"] = "64MiB", ["workload.pattern"] = "seq",
            ["guest.dma_mode"] = "direct", ["crypto.mode"] = "functional", ["sim.fidelity"] = "burst",
            ["faults.tlp_corruption_rate"] = "0", ["faults.tlp_drop_rate"] = "0", ["seed"] = "1",
        };
        Assert.Equal(expected, c.Resolved.ToDictionary(kv => kv.Key, kv => kv.Value));
    }

    [Theory]
    [InlineData("link.mps=300X", "link.mps")]
    [InlineData("link.mps=8KiB", "link.mps")]
    [InlineData("link.mps=384B", "link.mps")]
    [InlineData("link.gen=7", "link.gen")]
    [InlineData("link.width=3", "link.width")]
    [InlineData("host.read_latency=fast", "host.read_latency")]
    [InlineData("workload.direction=sideways", "workload.direction")]
    [InlineData("faults.tlp_drop_rate=2", "faults.tlp_drop_rate")]
    [InlineData("no.such.key=1", "no.such.key")]
    [InlineData("link.gen", "--set")]
    public void SetAssignment_BadValue_NamesKey(string assignment, string key)
    {
        var c = new ScenarioConfig();
        var ex = Assert.Throws<ParameterException>(() => c.SetAssignment(assignment));
        Assert.Equal(key, ex.Key);
    }

    [Fact]
    public void Validate_AggregationBeyondOneKiB_NamesAggregation()
    {
        var c = new ScenarioConfig();
        c.SetAssignment("link.mps=512B");
        c.SetAssignment("ide.aggregation=4");
        Assert.Equal("ide.aggregation", Assert.Throws<ParameterException>(c.Validate).Key);
    }

    [Fact]
    public void Validate_FlitBelowGen6_NamesFlit()
    {
        var c = new ScenarioConfig();
        c.SetAssignment("link.flit=true");
        Assert.Equal("link.flit", Assert.Throws<ParameterException>(c.Validate).Key);
    }

    [Fact]
    public void Validate_Gen6_ImpliesFlit()
    {
        var c = new ScenarioConfig();
        c.SetAssignment("link.gen=6");
        c.Validate();
        Assert.True(c.GetBool("link.flit"));
    }

    [Fact]
    public void LoadJson_NestedAndDottedKeys_ApplyInOrder()
    {
        var c = new ScenarioConfig();
        c.LoadJson("""
        {
          // comments are allowed
          "name": "gen4-small",
          "link": { "gen": 4, "mps": "128B" },
          "workload.transfer_size": "64B",
          "ide": { "enabled": false, },
        }
        """);
        c.SetAssignment("link.gen=3");
        c.Validate();
        Assert.Equal("gen4-small", c.Name);
        Assert.Equal(3, c.GetInt("link.gen"));
        Assert.Equal(128, c.GetSize("link.mps").Bytes);
        Assert.Equal(64, c.GetSize("workload.transfer_size").Bytes);
        Assert.False(c.GetBool("ide.enabled"));
    }

    [Theory]
    [InlineData("{ \"link\": { \"genn\": 4 } }", "link.genn")]
    [InlineData("{ \"link\": { \"gen\": [4] } }", "link.gen")]
    [InlineData("[1,2]", "--scenario")]
    [InlineData("{ not json", "--scenario")]
    public void LoadJson_BadScenario_NamesKey(string json, string key) =>
        Assert.Equal(key, Assert.Throws<ParameterException>(() => new ScenarioConfig().LoadJson(json)).Key);
}
