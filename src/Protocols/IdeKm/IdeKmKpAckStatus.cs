namespace SevTio.Protocols.IdeKm;

/// <summary>KP_ACK Status (PCIe §6.33.3).</summary>
public enum IdeKmKpAckStatus : byte
{
    Success = 0x00,
    IncorrectLength = 0x01,
    UnsupportedPortIndex = 0x02,
    UnsupportedValue = 0x03,
    UnspecifiedFailure = 0x04,
}
