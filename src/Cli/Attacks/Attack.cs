namespace SevTio.Cli.Attacks;

/// <summary>
/// One attack of issue 10's suite: a stable kebab-case name, the issue item it covers, what it does, the party that must
/// stop it, and <see cref="Run"/>, which builds a fresh platform from the seed, tries the benign twin and the attack,
/// and reports an <see cref="AttackOutcome"/>.
/// </summary>
public abstract class Attack
{
    protected Attack(string name, int item, AttackParty mustStop, string description)
    {
        Name = name;
        Item = item;
        MustStop = mustStop;
        Description = description;
    }

    public string Name { get; }

    /// <summary>The item of issue 10's attack list (1-16).</summary>
    public int Item { get; }

    public AttackParty MustStop { get; }

    public string Description { get; }

    /// <summary>Runs the attack on a platform built from <paramref name="seed"/> (deterministic: same seed, same outcome).</summary>
    public abstract AttackOutcome Run(int seed);

    public override string ToString() => Name;
}
