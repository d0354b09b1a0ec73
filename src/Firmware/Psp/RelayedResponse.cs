using System.Buffers.Binary;
using SevTio.Protocols.Doe;

namespace SevTio.Firmware.Psp;

/// <summary>
/// Recovers the DOE payload of a relayed reply from the response buffer. The host rounds a RESP object up to 32 bytes
/// (Linux <c>sev_tio_continue</c>), while the requester's decoders accept only the 0–3 bytes of DOE padding to the DW
/// boundary; the PSP therefore measures the message before handing it over: a secured message by its Length field;
/// VERSION, ALGORITHMS and CERTIFICATE by their own length fields; any other response by dropping trailing all-zero
/// DWs (those responses end with non-zero content: CAPABILITIES' maximum message size, a digest, an HMAC, an error code).
/// </summary>
internal static class RelayedResponse
{
    private const byte Version = 0x04;
    private const byte Algorithms = 0x63;
    private const byte Certificate = 0x02;

    public static byte[] TrimPadding(byte[] message, DoeDataObjectType type)
    {
        // No SPDM message is all zeros (byte 0 is the version): an all-zero object is the host relaying nothing.
        if (!message.AsSpan().ContainsAnyExcept((byte)0))
        {
            return [];
        }

        if (message.Length < 8)
        {
            return message;
        }

        var exact = type == DoeDataObjectType.SecuredSpdm
            ? 6 + BinaryPrimitives.ReadUInt16LittleEndian(message.AsSpan(4))
            : message[1] switch
            {
                Version => 6 + (2 * message[5]),
                Algorithms => BinaryPrimitives.ReadUInt16LittleEndian(message.AsSpan(4)),
                Certificate => 8 + BinaryPrimitives.ReadUInt16LittleEndian(message.AsSpan(4)),
                _ => -1,
            };

        int length;
        if (exact > 0)
        {
            length = Math.Min((exact + 3) & ~3, message.Length);
        }
        else
        {
            length = message.Length & ~3;
            while (length > 4 && !message.AsSpan(length - 4, 4).ContainsAnyExcept((byte)0))
            {
                length -= 4;
            }
        }

        return length == message.Length ? message : message[..length];
    }
}
