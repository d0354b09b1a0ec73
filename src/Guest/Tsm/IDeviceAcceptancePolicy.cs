namespace SevTio.Guest.Tsm;

/// <summary>
/// The guest owner's decision before accept (the "phase 4" attestation hook the seed leaves open): given evidence
/// whose digests already matched the PSP's, may this device enter the trust boundary?
/// </summary>
public interface IDeviceAcceptancePolicy
{
    PolicyVerdict Evaluate(DeviceEvidence evidence);
}

/// <summary>A policy's answer; <see cref="Reason"/> says why it refused.</summary>
public readonly record struct PolicyVerdict(bool Accepted, string Reason)
{
    public static PolicyVerdict Accept => new(true, "accepted");

    public static PolicyVerdict Reject(string reason) => new(false, reason);

    public override string ToString() => Accepted ? "pass" : "fail: " + Reason;
}
