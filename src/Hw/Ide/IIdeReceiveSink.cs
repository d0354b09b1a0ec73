using SevTio.Hw.Pcie;

namespace SevTio.Hw.Ide;

/// <summary>
/// Receives what an IDE receiver releases. Implemented by structs and passed by reference, so the JIT specialises the
/// calls (Garnet style) and nothing allocates. Ownership of each TLP passes to the sink.
/// </summary>
public interface IIdeReceiveSink
{
    /// <summary>
    /// A TLP of a unit whose MAC verified, in order. Its payload is ciphertext unless
    /// <see cref="IdeVerifiedSegment.IsPlaintext"/>; decrypt it with <see cref="IdeVerifiedSegment.Decrypt"/> or the fused
    /// path (<c>FusedCrypto.DecryptToEncryptedMemory(segment.Cipher, nonce, segment.PayloadOffset, ...)</c>).
    /// IDE Sync messages arrive here too (already accounted by the receiver); the consumer just releases them.
    /// </summary>
    void OnVerified(in IdeVerifiedSegment segment);

    /// <summary>A TLP dropped by the receiver (it failed, or its stream is Insecure). The link returned its credits already.</summary>
    void OnDropped(Tlp tlp, IdeCheckFailure reason);
}
