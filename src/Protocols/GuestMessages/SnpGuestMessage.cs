using SevTio.Protocols.Psp;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.GuestMessages;

/// <summary>
/// Codec for an SNP guest message page (Linux <c>struct snp_guest_msg</c>): the 96-byte header followed by
/// <c>msg_sz</c> bytes of AES-256-GCM ciphertext in one 4 KiB page. Sealing and opening are the parties' job (guest
/// and PSP, with the team's AES engine); this type gives them the layout: where the ciphertext, the tag and the
/// associated data live, and the IV (<see cref="SnpGuestMessageHeader.FormIv"/>).
/// </summary>
/// <example>
/// Sealing (guest or PSP):
/// <code>
/// var header = SnpGuestMessageHeader.Create(type, version, seqno, (ushort)plaintext.Length, vmpck);
/// SnpGuestMessage.WriteUnsealed(page, header, plaintext.Length);        // header, tag zero
/// SnpGuestMessageHeader.FormIv(seqno, iv);
/// gcm.Encrypt(iv, plaintext, SnpGuestMessage.CiphertextOf(page, plaintext.Length),
///             SnpGuestMessage.AuthTagOf(page), SnpGuestMessage.AssociatedDataOf(page));
/// </code>
/// Opening: <c>var view = SnpGuestMessage.Read(page);</c> then decrypt <c>view.Ciphertext</c> with
/// <c>view.AuthTag</c> and <c>view.AssociatedData</c>.
/// </example>
public static class SnpGuestMessage
{
    public const int PageSize = 4096;

    /// <summary>Largest payload in one page (<c>SNP_GUEST_MSG_PAYLOAD_SIZE</c> = 4096 − 96).</summary>
    public const int MaxPayloadSize = PageSize - SnpGuestMessageHeader.Size;

    /// <summary>TIO messages of the seed use msg_version 1; later AMD snapshots use 2.</summary>
    public const byte TioMessageVersion1 = 1;

    private const string Message = "SNP_GUEST_MSG";

    /// <summary>
    /// Buffer the Linux guest allocates for a response payload: the payload plus the 16-byte GCM tag size
    /// (<c>sizeof(rsp) + authsize</c>); it accepts a response only if <c>msg_sz + 16</c> fits.
    /// </summary>
    public static int GuestResponseBufferSize(int payloadSize) => payloadSize + AesGcmTag.Length;

    /// <summary>
    /// Writes the header (tag as in <paramref name="header"/>) and zeroes the ciphertext area and the rest of the page;
    /// the caller then encrypts into <see cref="CiphertextOf"/> and writes the tag into <see cref="AuthTagOf"/>.
    /// Returns <c>96 + payloadSize</c>.
    /// </summary>
    public static int WriteUnsealed(Span<byte> page, in SnpGuestMessageHeader header, int payloadSize)
    {
        CheckPayloadSize(header, payloadSize);
        var used = SnpGuestMessageHeader.Size + payloadSize;
        WireChecks.RequireDestination(page, used);
        header.Encode(page);
        page[SnpGuestMessageHeader.Size..].Clear();
        return used;
    }

    /// <summary>Writes a sealed message (header with its tag, then the ciphertext); zeroes the rest of the page.</summary>
    public static int Write(Span<byte> page, in SnpGuestMessageHeader header, ReadOnlySpan<byte> ciphertext)
    {
        var used = WriteUnsealed(page, header, ciphertext.Length);
        ciphertext.CopyTo(page[SnpGuestMessageHeader.Size..]);
        return used;
    }

    /// <summary>Parses a message page: the header, then <c>msg_sz</c> bytes that must fit the page and the payload limit.</summary>
    public static SnpGuestMessageView Read(ReadOnlySpan<byte> page)
    {
        var header = SnpGuestMessageHeader.Decode(page);
        if (header.MessageSize > MaxPayloadSize)
        {
            throw new ProtocolFormatException($"{Message}.hdr.msg_sz", $"{header.MessageSize} exceeds the {MaxPayloadSize}-byte payload of a message page");
        }

        var used = SnpGuestMessageHeader.Size + header.MessageSize;
        if (page.Length < used)
        {
            throw new ProtocolFormatException($"{Message}.payload", $"truncated: msg_sz {header.MessageSize} needs {used} bytes, message has {page.Length}");
        }

        return new SnpGuestMessageView(header, page[..used]);
    }

    /// <summary>The 16 tag bytes of a message being sealed.</summary>
    public static Span<byte> AuthTagOf(Span<byte> page) => page[..AesGcmTag.Length];

    /// <summary>The 48 associated-data bytes of a message (header bytes 48..96).</summary>
    public static ReadOnlySpan<byte> AssociatedDataOf(ReadOnlySpan<byte> page) =>
        page.Slice(SnpGuestMessageHeader.AssociatedDataOffset, SnpGuestMessageHeader.AssociatedDataLength);

    /// <summary>The ciphertext area of a message being sealed.</summary>
    public static Span<byte> CiphertextOf(Span<byte> page, int payloadSize) => page.Slice(SnpGuestMessageHeader.Size, payloadSize);

    private static void CheckPayloadSize(in SnpGuestMessageHeader header, int payloadSize)
    {
        if (payloadSize is < 0 or > MaxPayloadSize)
        {
            throw new ArgumentOutOfRangeException(nameof(payloadSize), payloadSize, $"0..{MaxPayloadSize}");
        }

        if (header.MessageSize != payloadSize)
        {
            throw new ArgumentException($"header msg_sz {header.MessageSize} differs from the payload size {payloadSize}", nameof(header));
        }
    }
}
