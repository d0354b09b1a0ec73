namespace SevTio.Hw.Ide;

/// <summary>What the transmitter did with a TLP.</summary>
public enum IdeSealStatus : byte
{
    /// <summary>The TLP now carries the IDE prefix, ciphertext and (if it closes a unit) the MAC: send it.</summary>
    Sealed,

    /// <summary>
    /// The stream is enabled but not Secure: the TLP must be dropped, never sent in clear (§6.33.4). The caller releases it.
    /// </summary>
    Dropped,

    /// <summary>The stream is not enabled; the TLP is untouched and may go as a non-IDE TLP if policy allows.</summary>
    NotEnabled,

    /// <summary>The TLP type may not travel on a Selective stream; untouched.</summary>
    NotAllowed,

    /// <summary>A PR_Sent counter would pass 255: send <see cref="IdeStream.SealSync"/> first, then retry. Untouched.</summary>
    SyncRequired,
}
