using SevTio.Protocols.IdeKm;

namespace SevTio.Firmware.DeviceSecurityManager;

/// <summary>
/// The device's IDE key slots as the IDE_KM responder programs them (PCIe §6.33.3–4): per stream, sub-stream
/// (PR/NPR/CPL), direction and key set K0/K1, a 256-bit key and the 64-bit initial invocation counter. The IDE engine
/// in <c>src/Hw/Ide</c> implements this; the firmware never touches key registers directly.
/// </summary>
public interface IIdeKeySlots
{
    /// <summary>
    /// Loads a key slot. Returns the KP_ACK status: <see cref="IdeKmKpAckStatus.Success"/>, or
    /// <see cref="IdeKmKpAckStatus.UnsupportedValue"/> for a stream id, sub-stream or key set the port lacks.
    /// </summary>
    IdeKmKpAckStatus ProgramKey(byte streamId, IdeKmSubStream subStream, IdeKmDirection direction, byte keySet, ReadOnlySpan<byte> key, ulong initialCounter);

    /// <summary>Arms a programmed key set (K_SET_GO); false when the slot holds no key.</summary>
    bool Go(byte streamId, IdeKmSubStream subStream, IdeKmDirection direction, byte keySet);

    /// <summary>Destroys a key set (K_SET_STOP); false when the slot holds no key.</summary>
    bool Stop(byte streamId, IdeKmSubStream subStream, IdeKmDirection direction, byte keySet);

    /// <summary>
    /// Invalidates every key of a stream: the SPDM session that programmed them has ended, so the stream goes
    /// Insecure (PCIe §6.33.3).
    /// </summary>
    void InvalidateStream(byte streamId);
}
