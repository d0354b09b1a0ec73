namespace SevTio.Hw.Platform;

/// <summary>DESIGN.md's <c>crypto.mode</c>.</summary>
public enum CryptoMode : byte
{
    /// <summary>Real bytes through real cryptography (IDE AES-GCM-256, memory encryption).</summary>
    Functional,

    /// <summary>Lengths and timing only: no cipher work, no data copies.</summary>
    Timing,
}
