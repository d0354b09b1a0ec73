using System.Buffers.Binary;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.GuestMessages;

/// <summary>
/// The 96-byte SNP guest message header (arch/x86/include/asm/sev.h <c>struct snp_guest_msg_hdr</c>):
/// authtag[32] @0, msg_seqno u64 @32, rsvd1[8] @40, algo u8 @48, hdr_version u8 @49, hdr_sz u16 @50, msg_type u8 @52,
/// msg_version u8 @53, msg_sz u16 @54, rsvd2 u32 @56, msg_vmpck u8 @60, rsvd3[35] @61.
/// </summary>
/// <remarks>
/// <para>AEAD (AES-256-GCM under the VMPCK), as Linux sev-guest <c>enc_payload</c>/<c>verify_and_dec_payload</c> do it:</para>
/// <list type="bullet">
/// <item>associated data = the 48 header bytes from <c>algo</c> (@48) to the end (<c>&amp;hdr-&gt;algo, AAD_LEN = 48</c>);
/// the tag and the sequence number are outside it, the sequence number is bound through the IV;</item>
/// <item>IV (96 bits) = <c>msg_seqno</c> little-endian in bytes 0–7, bytes 8–11 zero
/// (<c>memcpy(iv, &amp;hdr-&gt;msg_seqno, min(sizeof(iv), sizeof(msg_seqno)))</c> into a zeroed 12-byte IV);</item>
/// <item>the 16-byte GCM tag goes in <c>authtag[0..16]</c>; <c>authtag[16..32]</c> stays zero;</item>
/// <item>the ciphertext (<c>msg_sz</c> bytes, same length as the plaintext) follows the header in the 4 KiB page.</item>
/// </list>
/// Reserved fields must be zero, <c>algo</c> must be AES-256-GCM, <c>hdr_version</c> 1, <c>hdr_sz</c> 96 and
/// <c>msg_vmpck</c> 0–3; anything else is a format error.
/// </remarks>
public readonly record struct SnpGuestMessageHeader(
    AesGcmTag AuthTag,
    ulong SequenceNumber,
    SnpAeadAlgorithm Algorithm,
    byte HeaderVersion,
    SnpGuestMessageType MessageType,
    byte MessageVersion,
    ushort MessageSize,
    byte VmpckId)
{
    public const int Size = 96;

    /// <summary><c>MSG_HDR_VER</c>.</summary>
    public const byte CurrentHeaderVersion = 1;

    /// <summary>Bytes of the <c>authtag</c> field (<c>MAX_AUTHTAG_LEN</c>); GCM uses the first <see cref="AesGcmTag.Length"/>.</summary>
    public const int AuthTagFieldLength = 32;

    public const int AuthTagOffset = 0;
    public const int SequenceNumberOffset = 32;
    public const int AlgorithmOffset = 48;
    public const int HeaderVersionOffset = 49;
    public const int HeaderSizeOffset = 50;
    public const int MessageTypeOffset = 52;
    public const int MessageVersionOffset = 53;
    public const int MessageSizeOffset = 54;
    public const int VmpckOffset = 60;

    /// <summary>Start of the associated data: <c>algo</c>.</summary>
    public const int AssociatedDataOffset = AlgorithmOffset;

    /// <summary><c>AAD_LEN</c>.</summary>
    public const int AssociatedDataLength = Size - AssociatedDataOffset;

    /// <summary>GCM IV bytes (<c>GCM_AES_IV_SIZE</c>).</summary>
    public const int IvLength = 12;

    /// <summary>Highest VMPCK index (VMPCK0..3).</summary>
    public const byte MaxVmpckId = 3;

    private const string Message = "SNP_GUEST_MSG.hdr";

    /// <summary>A header for a message about to be sealed: AES-256-GCM, version 1, tag still zero.</summary>
    public static SnpGuestMessageHeader Create(SnpGuestMessageType type, byte messageVersion, ulong sequenceNumber, ushort messageSize, byte vmpckId) =>
        new(default, sequenceNumber, SnpAeadAlgorithm.Aes256Gcm, CurrentHeaderVersion, type, messageVersion, messageSize, vmpckId);

    /// <summary>Forms the 96-bit GCM IV from a sequence number: little-endian seqno in bytes 0–7, zeros in 8–11.</summary>
    public static void FormIv(ulong sequenceNumber, Span<byte> iv)
    {
        if (iv.Length != IvLength)
        {
            throw new ArgumentException($"the IV is {IvLength} bytes", nameof(iv));
        }

        BinaryPrimitives.WriteUInt64LittleEndian(iv, sequenceNumber);
        iv[8..].Clear();
    }

    /// <summary>
    /// The checks Linux <c>verify_and_dec_payload</c> makes of a response header against its request before
    /// decrypting: sequence number + 1, message type + 1, same message version.
    /// </summary>
    public bool IsResponseTo(in SnpGuestMessageHeader request) =>
        SequenceNumber == request.SequenceNumber + 1 &&
        (int)MessageType == (int)request.MessageType + 1 &&
        MessageVersion == request.MessageVersion;

    public SnpGuestMessageHeader WithAuthTag(AesGcmTag tag) => this with { AuthTag = tag };

    public int Encode(Span<byte> destination)
    {
        WireChecks.RequireDestination(destination, Size);
        var writer = new WireWriter(destination[..Size]);
        AuthTag.CopyTo(writer.Reserve(AesGcmTag.Length));
        writer.WriteZeros(AuthTagFieldLength - AesGcmTag.Length);
        writer.WriteUInt64(SequenceNumber);
        writer.WriteZeros(8);
        writer.WriteByte((byte)Algorithm);
        writer.WriteByte(HeaderVersion);
        writer.WriteUInt16(Size);
        writer.WriteByte((byte)MessageType);
        writer.WriteByte(MessageVersion);
        writer.WriteUInt16(MessageSize);
        writer.WriteZeros(4);
        writer.WriteByte(VmpckId);
        writer.WriteZeros(35);
        return Size;
    }

    public static SnpGuestMessageHeader Decode(ReadOnlySpan<byte> source)
    {
        var reader = new WireReader(source, Message);
        var tag = AesGcmTag.FromBytes(reader.ReadBytes(AesGcmTag.Length, "authtag"));
        WireChecks.ReadZeros(ref reader, AuthTagFieldLength - AesGcmTag.Length, "authtag[16..32]");
        var sequenceNumber = reader.ReadUInt64("msg_seqno");
        WireChecks.ReadZeros(ref reader, 8, "rsvd1");
        var algorithm = reader.ReadByte("algo");
        if (algorithm != (byte)SnpAeadAlgorithm.Aes256Gcm)
        {
            reader.Fail("algo", $"{algorithm} is not AES-256-GCM (1)");
        }

        var headerVersion = reader.ReadByte("hdr_version");
        if (headerVersion != CurrentHeaderVersion)
        {
            reader.Fail("hdr_version", $"{headerVersion} is not {CurrentHeaderVersion}");
        }

        var headerSize = reader.ReadUInt16("hdr_sz");
        if (headerSize != Size)
        {
            reader.Fail("hdr_sz", $"{headerSize} is not {Size}");
        }

        var type = reader.ReadByte("msg_type");
        var messageVersion = reader.ReadByte("msg_version");
        var messageSize = reader.ReadUInt16("msg_sz");
        WireChecks.ReadZeros(ref reader, 4, "rsvd2");
        var vmpck = reader.ReadByte("msg_vmpck");
        if (vmpck > MaxVmpckId)
        {
            reader.Fail("msg_vmpck", $"{vmpck} is not a VMPCK index (0..{MaxVmpckId})");
        }

        WireChecks.ReadZeros(ref reader, 35, "rsvd3");
        return new SnpGuestMessageHeader(tag, sequenceNumber, (SnpAeadAlgorithm)algorithm, headerVersion, (SnpGuestMessageType)type, messageVersion, messageSize, vmpck);
    }
}
