using System.Security.Cryptography;
using SevTio.Protocols.Spdm;

namespace SevTio.Firmware.Spdm;

/// <summary>One measured firmware block: its measurement index, name, DMTF kind, contents and SHA-384 digest.</summary>
public sealed record SpdmMeasuredBlock(byte Index, string Name, SpdmDmtfMeasurementValueType Kind, byte[] Content, byte[] Digest);

/// <summary>
/// The device's measurements: named firmware blocks measured with SHA-384, indices 1..N in the order given. A test
/// simulates a firmware update by replacing a block's contents (<see cref="Update"/>); the digest changes with it.
/// </summary>
public sealed class SpdmMeasurementLog
{
    private readonly List<SpdmMeasuredBlock> _blocks = [];

    public SpdmMeasurementLog(IEnumerable<(string Name, SpdmDmtfMeasurementValueType Kind, byte[] Content)> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        foreach (var (name, kind, content) in blocks)
        {
            if (_blocks.Count >= 0xFD)
            {
                throw new ArgumentException("at most 253 measurement blocks (indices 1..0xFD)", nameof(blocks));
            }

            if (_blocks.Any(b => b.Name == name))
            {
                throw new ArgumentException($"block '{name}' appears twice", nameof(blocks));
            }

            _blocks.Add(new SpdmMeasuredBlock((byte)(_blocks.Count + 1), name, kind, content.ToArray(), SHA384.HashData(content)));
        }
    }

    public IReadOnlyList<SpdmMeasuredBlock> Blocks => _blocks;

    /// <summary>A small default image: boot ROM, firmware and its configuration.</summary>
    public static SpdmMeasurementLog CreateDefault() => new(
    [
        ("rom", SpdmDmtfMeasurementValueType.ImmutableRom, "SevTio device boot ROM v1"u8.ToArray()),
        ("firmware", SpdmDmtfMeasurementValueType.MutableFirmware, "SevTio device firmware v1.0.0"u8.ToArray()),
        ("config", SpdmDmtfMeasurementValueType.FirmwareConfiguration, "tdisp=1 ide=1"u8.ToArray()),
    ]);

    /// <summary>Replaces a block's contents, as a firmware update would.</summary>
    public void Update(string name, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var i = _blocks.FindIndex(b => b.Name == name);
        if (i < 0)
        {
            throw new ArgumentException($"no measurement block '{name}'", nameof(name));
        }

        var old = _blocks[i];
        _blocks[i] = old with { Content = content.ToArray(), Digest = SHA384.HashData(content) };
    }

    public SpdmMeasuredBlock? Find(byte index) => index >= 1 && index <= _blocks.Count ? _blocks[index - 1] : null;

    /// <summary>The DMTF measurement block: the digest, or the contents when a raw bit stream is asked for.</summary>
    public static SpdmMeasurementBlock ToBlock(SpdmMeasuredBlock block, bool rawBitStream) => rawBitStream
        ? new SpdmMeasurementBlock(block.Index, (byte)((byte)block.Kind | SpdmMeasurementBlock.RawBitStreamFlag), block.Content)
        : new SpdmMeasurementBlock(block.Index, (byte)block.Kind, block.Digest);

    /// <summary>
    /// MeasurementSummaryHash of KEY_EXCHANGE_RSP: the hash of the concatenated digest measurement blocks (every block
    /// of this device counts as TCB, so types 1 and 0xFF give the same value).
    /// </summary>
    public byte[] SummaryHash()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA384);
        foreach (var b in _blocks)
        {
            hash.AppendData(ToBlock(b, rawBitStream: false).Encode());
        }

        return hash.GetHashAndReset();
    }
}
