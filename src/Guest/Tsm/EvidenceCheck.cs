namespace SevTio.Guest.Tsm;

/// <summary>The digest checks of the three evidence blobs; the evidence is verified when all three match.</summary>
public readonly record struct EvidenceCheck(DigestCheck Report, DigestCheck Certificates, DigestCheck Measurements)
{
    public bool Verified => Report == DigestCheck.Match && Certificates == DigestCheck.Match && Measurements == DigestCheck.Match;

    /// <summary>One line for sysfs and logs: <c>verified</c>, or the blobs that failed.</summary>
    public override string ToString()
    {
        if (Verified)
        {
            return "verified";
        }

        if (Report == DigestCheck.NotChecked)
        {
            return "unchecked";
        }

        var parts = new List<string>(3);
        Add(parts, "report", Report);
        Add(parts, "certificates", Certificates);
        Add(parts, "measurements", Measurements);
        return "failed: " + string.Join(", ", parts);
    }

    private static void Add(List<string> parts, string name, DigestCheck check)
    {
        if (check != DigestCheck.Match)
        {
            parts.Add($"{name} {check.ToString().ToLowerInvariant()}");
        }
    }
}
