using SevTio.Hw.Ide;

namespace SevTio.Host.Pci;

/// <summary>
/// Host programming of a port's IDE Extended Capability (PCIe §7.9.26) through configuration accesses, as Linux
/// drivers/pci/ide.c does: a Selective stream's Control (Stream ID, Default, TEE-Limited, Config-Req Enable, TC) and
/// RID association are written with Enable clear before keys exist; Enable is set once the PSP has keyed both ends
/// (root port first, then the endpoint) and cleared again at disconnect (endpoint first). Keys never pass here.
/// </summary>
public sealed class IdeCapabilityDriver
{
    private const int CapabilityRegister = 0x04;
    private const int FirstBlock = 0x0C;

    private readonly PciConfigAccessor _config;

    public IdeCapabilityDriver(PciConfigAccessor config, ushort bdf, int capabilityOffset, byte segment = 0)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        Bdf = bdf;
        Segment = segment;
        CapabilityOffset = capabilityOffset;
    }

    public ushort Bdf { get; }

    public byte Segment { get; }

    public int CapabilityOffset { get; }

    public static IdeCapabilityDriver? Find(PciConfigAccessor config, ushort bdf, byte segment = 0)
    {
        var offset = config.FindExtendedCapability(bdf, IdeCapability.ExtendedCapabilityId, segment);
        return offset < 0 ? null : new IdeCapabilityDriver(config, bdf, offset, segment);
    }

    /// <summary>Selective streams the port implements (Capability bits 23:16 + 1).</summary>
    public int SelectiveStreamCount() => (int)((Read(CapabilityRegister) >> 16) & 0xFF) + 1;

    /// <summary>
    /// Writes stream block <paramref name="index"/>'s Control with Enable clear and its RID association
    /// (<paramref name="ridBase"/>..<paramref name="ridLimit"/>, valid); <paramref name="extraControl"/> adds the
    /// aggregation-mode and PCRC bits (4..8).
    /// </summary>
    public void Configure(int index, byte streamId, bool isDefault, bool teeLimited, bool configRequests, ushort ridBase = 0, ushort ridLimit = 0xFFFF, uint extraControl = 0)
    {
        var block = BlockOffset(index);
        var control = ((uint)streamId << 24) | (isDefault ? 1u << 22 : 0) | (teeLimited ? 1u << 23 : 0) | (configRequests ? 1u << 9 : 0) | (extraControl & 0x1F0);
        Write(block + 0x04, control & ~1u);
        Write(block + 0x0C, (uint)ridLimit << 8);
        Write(block + 0x10, ((uint)ridBase << 8) | 1);
    }

    /// <summary>Sets Enable (read-modify-write of Control).</summary>
    public void Enable(int index)
    {
        var block = BlockOffset(index);
        Write(block + 0x04, Read(block + 0x04) | 1);
    }

    /// <summary>Clears Enable: the stream goes Insecure and its keys are invalidated (§6.33.8); also the first step of recovery.</summary>
    public void Disable(int index)
    {
        var block = BlockOffset(index);
        Write(block + 0x04, Read(block + 0x04) & ~1u);
    }

    /// <summary>The stream's state from its Status register (0 Insecure, 2 Secure).</summary>
    public IdeStreamState State(int index) => (IdeStreamState)(Read(BlockOffset(index) + 0x08) & 0xF);

    /// <summary>Offset of Selective block <paramref name="index"/>, assuming every block has block 0's address-association count.</summary>
    public int BlockOffset(int index)
    {
        var addressBlocks = (int)(Read(FirstBlock) & 0xF);
        return FirstBlock + (index * (20 + (12 * addressBlocks)));
    }

    private uint Read(int offset) => _config.Read(Bdf, CapabilityOffset + offset, Segment);

    private void Write(int offset, uint value) => _config.Write(Bdf, CapabilityOffset + offset, value, 0xF, Segment);
}
