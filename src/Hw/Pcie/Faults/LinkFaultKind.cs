namespace SevTio.Hw.Pcie.Faults;

/// <summary>What an injected link fault does to the TLP it hits.</summary>
public enum LinkFaultKind : byte
{
    None,

    /// <summary>One bit of the TLP flips in flight (payload ciphertext or MAC: what the IDE MAC covers).</summary>
    Corruption,

    /// <summary>The TLP never reaches the receiver (the receiver's implicit counter falls out of step).</summary>
    Drop,
}
