using SevTio.Cli.Attacks;

namespace SevTio.Security.Tests.Attacks;

/// <summary>Every attack of the catalog: stopped by the party issue 10 names, nothing forged committed, the benign twin accepted, nothing leaked.</summary>
public sealed class AttackSuiteTests
{
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var attack in AttackCatalog.All)
        {
            data.Add(attack.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Run_EachAttack_StoppedByTheExpectedPartyWithoutLeaks(string name)
    {
        var attack = AttackCatalog.Find(name)!;
        var outcome = AttackResults.Of(name);

        Assert.Equal(attack.MustStop, outcome.Expected);
        Assert.Equal(attack.MustStop, outcome.DetectedBy);
        Assert.False(outcome.ForgedCommitted, string.Join("\n", outcome.Details));
        Assert.True(outcome.BenignAccepted, string.Join("\n", outcome.Details));
        Assert.Empty(outcome.Leaks);
        Assert.True(outcome.Stopped);
    }

    [Fact]
    public void Catalog_Names_AreUniqueKebabCaseAndCoverEveryIssueItem()
    {
        var names = AttackCatalog.All.Select(a => a.Name).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(names, n => Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", n));

        // Issue 10 lists 16 attacks; each must have at least one entry.
        Assert.Equal(Enumerable.Range(1, 16), AttackCatalog.All.Select(a => a.Item).Distinct().Order());
    }

    [Fact]
    public void Run_SameSeed_SameOutcome()
    {
        var attack = AttackCatalog.Find("ide-drop")!;
        var first = attack.Run(7);
        var second = attack.Run(7);
        Assert.Equal(first.Answer, second.Answer);
        Assert.Equal(first.Details, second.Details);
    }

    [Fact]
    public void Stopped_WrongDetectorOrBenignTwinRefused_IsNotStopped()
    {
        var good = new AttackOutcome { Name = "x", Expected = AttackParty.Iommu, DetectedBy = AttackParty.Iommu, Answer = "", ForgedCommitted = false, BenignAccepted = true };
        Assert.True(good.Stopped);
        Assert.False((good with { DetectedBy = AttackParty.Rmp }).Stopped);
        Assert.False((good with { BenignAccepted = false }).Stopped);
        Assert.False((good with { ForgedCommitted = true }).Stopped);
        Assert.False((good with { Leaks = ["somewhere"] }).Stopped);
    }
}
