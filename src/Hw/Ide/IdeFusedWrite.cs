using SevTio.Hw.Crypto;

namespace SevTio.Hw.Ide;

/// <summary>
/// Where a write TLP's whole payload goes once its MAC verifies, for <see cref="IdeStream.ReceiveWrite{TSink}"/>: the
/// destination page's memory-encryption key, the physical address of the payload's first byte and the destination
/// bytes (as many as the payload). The default value stores nothing (plain <see cref="IdeStream.Receive{TSink}"/>).
/// </summary>
public readonly ref struct IdeFusedWrite
{
    public IdeFusedWrite(MemoryEncryptionKey key, ulong physicalAddress, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(key);
        Key = key;
        PhysicalAddress = physicalAddress;
        Destination = destination;
    }

    /// <summary>The memory-encryption key of the destination (null: no store).</summary>
    public MemoryEncryptionKey? Key { get; }

    public ulong PhysicalAddress { get; }

    public Span<byte> Destination { get; }
}
