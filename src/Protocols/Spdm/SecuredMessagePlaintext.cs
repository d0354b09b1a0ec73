using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>
/// The plaintext inside a secured message (DSP0277 §6): ApplicationDataLength u16, the application data (one SPDM
/// message), then random padding; on DOE the random data length is 0 (PCIe §6.31.4).
/// </summary>
public static class SecuredMessagePlaintext
{
    public const string Name = "SPDM.SecuredMessage.Plaintext";

    public static int LengthFor(int applicationDataLength) => 2 + applicationDataLength;

    public static void Write(Span<byte> destination, ReadOnlySpan<byte> applicationData)
    {
        var writer = new WireWriter(destination);
        writer.WriteUInt16(checked((ushort)applicationData.Length));
        writer.WriteBytes(applicationData);
    }

    /// <summary>The application data; any bytes after it are the (random) padding and are ignored.</summary>
    public static ReadOnlySpan<byte> Read(ReadOnlySpan<byte> plaintext)
    {
        var reader = new WireReader(plaintext, Name);
        var length = reader.ReadUInt16("ApplicationDataLength");
        return reader.ReadBytes(length, "ApplicationData");
    }
}
