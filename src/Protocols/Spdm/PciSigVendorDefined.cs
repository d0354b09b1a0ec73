using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>Protocol ID, the first payload byte of a PCI-SIG vendor-defined SPDM message (PCIe §6.31.3).</summary>
public enum PciProtocolId : byte
{
    IdeKm = 0x00,
    Tdisp = 0x01,
}

/// <summary>
/// The PCI-SIG envelope that carries IDE_KM and TDISP in SPDM VENDOR_DEFINED messages: StandardID 0x0003
/// (PCI-SIG), Len 2, VendorID 0x0001 (little-endian), payload = Protocol ID u8 then the protocol's message.
/// </summary>
public static class PciSigVendorDefined
{
    public const ushort StandardIdPciSig = 0x0003;

    public const ushort VendorIdPciSig = 0x0001;

    /// <summary>SPDM header 4 + StandardID 2 + Len 1 + VendorID 2 + length 2 + Protocol ID 1.</summary>
    public const int EnvelopeLength = 12;

    public static SpdmVendorDefinedMessage Wrap(bool isRequest, PciProtocolId protocol, ReadOnlySpan<byte> message, byte version = SpdmVersion.V12)
    {
        var payload = new byte[1 + message.Length];
        payload[0] = (byte)protocol;
        message.CopyTo(payload.AsSpan(1));
        return new SpdmVendorDefinedMessage(isRequest, StandardIdPciSig, [(byte)VendorIdPciSig, (byte)(VendorIdPciSig >> 8)], payload, version);
    }

    public static byte[] EncodeRequest(PciProtocolId protocol, ReadOnlySpan<byte> message) =>
        Wrap(isRequest: true, protocol, message).Encode();

    public static byte[] EncodeResponse(PciProtocolId protocol, ReadOnlySpan<byte> message) =>
        Wrap(isRequest: false, protocol, message).Encode();

    /// <summary>True when the vendor-defined message is the PCI-SIG registry with VendorID 0x0001.</summary>
    public static bool IsPciSig(SpdmVendorDefinedMessage message) =>
        message.StandardId == StandardIdPciSig
        && message.VendorId.Length == 2
        && (message.VendorId[0] | (message.VendorId[1] << 8)) == VendorIdPciSig;

    /// <summary>
    /// Splits a PCI-SIG vendor-defined message into its Protocol ID and the protocol message. Throws
    /// <see cref="ProtocolFormatException"/> when it is not the PCI-SIG envelope or has no Protocol ID.
    /// </summary>
    public static PciProtocolId Unwrap(SpdmVendorDefinedMessage message, out ReadOnlySpan<byte> protocolMessage)
    {
        var name = message.IsRequest ? SpdmVendorDefinedMessage.RequestName : SpdmVendorDefinedMessage.ResponseName;
        if (message.StandardId != StandardIdPciSig)
        {
            throw new ProtocolFormatException($"{name}.StandardID", $"0x{message.StandardId:X4} is not PCI-SIG (0x0003)");
        }

        if (!IsPciSig(message))
        {
            throw new ProtocolFormatException($"{name}.VendorID", "not the PCI-SIG vendor ID 0x0001 in 2 bytes");
        }

        if (message.Payload.Length < 1)
        {
            throw new ProtocolFormatException($"{name}.ProtocolID", "truncated: the payload has no Protocol ID");
        }

        protocolMessage = message.Payload.AsSpan(1);
        return (PciProtocolId)message.Payload[0];
    }
}
