namespace SevTio.Hw.Ide;

/// <summary>The stream state reported in the IDE Stream Status register bits 3:0 (§7.9.26.5.3).</summary>
public enum IdeStreamState : byte
{
    /// <summary>0000b. Includes the conceptual "ready" sub-state (keys armed, not yet enabled).</summary>
    Insecure = 0b0000,

    /// <summary>0010b.</summary>
    Secure = 0b0010,
}
