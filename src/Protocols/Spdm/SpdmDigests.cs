using System.Numerics;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>
/// DIGESTS (0x01): Param2 = slot mask; then one H-byte digest of the certificate chain per set bit, in slot order.
/// </summary>
public sealed class SpdmDigests : SpdmMessage
{
    public const string Name = "SPDM.DIGESTS";

    public SpdmDigests(byte slotMask, IReadOnlyList<byte[]> digests, byte version = SpdmVersion.V12)
        : base(version)
    {
        ArgumentNullException.ThrowIfNull(digests);
        if (BitOperations.PopCount(slotMask) != digests.Count)
        {
            throw new ArgumentException("one digest per slot in the mask", nameof(digests));
        }

        if (digests.Count > 0 && digests.Any(d => d.Length != digests[0].Length))
        {
            throw new ArgumentException("all digests have the negotiated hash size", nameof(digests));
        }

        SlotMask = slotMask;
        Digests = digests;
    }

    public byte SlotMask { get; }

    public IReadOnlyList<byte[]> Digests { get; }

    public override SpdmRequestResponseCode Code => SpdmRequestResponseCode.Digests;

    public override int EncodedLength => SpdmHeader.Size + Digests.Sum(d => d.Length);

    /// <summary>The digest for <paramref name="slot"/>, or null if the slot is not in the mask.</summary>
    public byte[]? DigestOf(int slot)
    {
        if ((SlotMask & (1 << slot)) == 0)
        {
            return null;
        }

        return Digests[BitOperations.PopCount((uint)(SlotMask & ((1 << slot) - 1)))];
    }

    public override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, 0, SlotMask);
        foreach (var d in Digests)
        {
            writer.WriteBytes(d);
        }
    }

    public static SpdmDigests Read(ref WireReader reader, int hashSize)
    {
        var header = SpdmHeader.Read(ref reader, SpdmRequestResponseCode.Digests);
        var count = BitOperations.PopCount(header.Param2);
        var digests = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            digests[i] = reader.ReadBytes(hashSize, "Digest").ToArray();
        }

        return new SpdmDigests(header.Param2, digests, header.Version);
    }

    public static SpdmDigests Decode(ReadOnlySpan<byte> message, int hashSize) =>
        DecodeExact(message, Name, (ref WireReader r) => Read(ref r, hashSize));
}
