using SevTio.Cli;
using SevTio.Cli.Attacks;

namespace SevTio.Security.Tests.Attacks;

/// <summary><c>sevtio attack</c>: the command-line contract (issue 10).</summary>
public sealed class AttackCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var o = new StringWriter();
        using var e = new StringWriter();
        var code = SevTioCommand.Invoke(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void List_PrintsOneNamePerLineAndNothingElse()
    {
        var (code, output, _) = Run("attack", "--list");
        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        Assert.Equal(AttackCatalog.All.Select(a => a.Name), lines);
    }

    [Fact]
    public void One_StoppedAttack_ExitsZeroAndShowsTheDetector()
    {
        var (code, output, _) = Run("attack", "dma-other-guest");
        Assert.Equal(0, code);
        Assert.Contains("AsidMismatch", output, StringComparison.Ordinal);
        Assert.Contains("stopped", output, StringComparison.Ordinal);
    }

    [Fact]
    public void All_EveryAttackStopped_ExitsZero()
    {
        var (code, output, _) = Run("attack", "all");
        Assert.Equal(0, code);
        Assert.Contains($"{AttackCatalog.All.Count} of {AttackCatalog.All.Count} attacks stopped", output, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownName_ExitsTwo()
    {
        var (code, _, error) = Run("attack", "no-such-attack");
        Assert.Equal(2, code);
        Assert.Contains("no-such-attack", error, StringComparison.Ordinal);
    }
}
