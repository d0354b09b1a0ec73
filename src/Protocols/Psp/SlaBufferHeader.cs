using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// The 64-byte header every SPDM buffer (request, response, scratch, output) starts with
/// (sev-dev-tio.c <c>struct sla_buffer_hdr</c>): capacity u32 @0, payload u32 @4, flags u32 @8, reserved 4 @12,
/// iv[16] @16, authtag[16] @32, reserved 16 @48.
/// </summary>
/// <param name="Capacity">Bytes of the whole buffer including this header (pages × 4 KiB). The firmware raises it in
/// the output/scratch header before returning EXPAND_BUFFER_LENGTH_REQUEST.</param>
/// <param name="PayloadSize">Bytes after the header in use; a multiple of 32.</param>
public readonly record struct SlaBufferHeader(
    uint Capacity,
    uint PayloadSize,
    SlaBufferFlags Flags,
    SlaBufferIv Iv,
    AesGcmTag AuthTag)
{
    public const int Size = 64;

    /// <summary>Payload sizes are multiples of this many bytes.</summary>
    public const int PayloadAlignment = 32;

    public const int CapacityOffset = 0;
    public const int PayloadSizeOffset = 4;
    public const int FlagsOffset = 8;
    public const int IvOffset = 16;
    public const int AuthTagOffset = 32;

    private const string Message = "PSP.SLA_BUFFER";

    public static uint AlignPayload(uint size) => (size + (PayloadAlignment - 1)) & ~(uint)(PayloadAlignment - 1);

    public int Encode(Span<byte> destination)
    {
        WireChecks.RequireDestination(destination, Size);
        var writer = new WireWriter(destination);
        Write(ref writer);
        return Size;
    }

    public void Write(ref WireWriter writer)
    {
        writer.WriteUInt32(Capacity);
        writer.WriteUInt32(PayloadSize);
        writer.WriteUInt32((uint)Flags);
        writer.WriteZeros(4);
        Iv.CopyTo(writer.Reserve(SlaBufferIv.Length));
        AuthTag.CopyTo(writer.Reserve(AesGcmTag.Length));
        writer.WriteZeros(16);
    }

    /// <summary>
    /// Decodes the first 64 bytes. Enforces: reserved fields and flag bits zero; payload a multiple of 32; header plus
    /// payload within <c>capacity</c>.
    /// </summary>
    public static SlaBufferHeader Decode(ReadOnlySpan<byte> source)
    {
        var reader = new WireReader(source, Message);
        return Read(ref reader);
    }

    public static SlaBufferHeader Read(ref WireReader reader)
    {
        var capacity = reader.ReadUInt32("capacity_sz");
        var payload = reader.ReadUInt32("payload_sz");
        var flags = reader.ReadUInt32("flags");
        WireChecks.ReadReservedBits(ref reader, flags, ~(ulong)SlaBufferFlags.Encrypted & 0xFFFF_FFFF, "flags");
        WireChecks.ReadZeros(ref reader, 4, "reserved1");
        var iv = SlaBufferIv.FromBytes(reader.ReadBytes(SlaBufferIv.Length, "iv"));
        var tag = AesGcmTag.FromBytes(reader.ReadBytes(AesGcmTag.Length, "authtag"));
        WireChecks.ReadZeros(ref reader, 16, "reserved2");

        if (capacity < Size)
        {
            reader.Fail("capacity_sz", $"{capacity} is smaller than the {Size}-byte header");
        }

        if (payload % PayloadAlignment != 0)
        {
            reader.Fail("payload_sz", $"{payload} is not a multiple of {PayloadAlignment}");
        }

        if (payload > capacity - Size)
        {
            reader.Fail("payload_sz", $"{payload} does not fit a {capacity}-byte buffer after the header");
        }

        return new SlaBufferHeader(capacity, payload, (SlaBufferFlags)flags, iv, tag);
    }
}
