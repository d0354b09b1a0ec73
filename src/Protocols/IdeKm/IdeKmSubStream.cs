namespace SevTio.Protocols.IdeKm;

/// <summary>IDE sub-streams as coded in KeyInfo bits 7:4 (PCIe §6.33.3): PR, NPR, CPL; other values are invalid.</summary>
public enum IdeKmSubStream : byte
{
    PostedRequest = 0,
    NonPostedRequest = 1,
    Completion = 2,
}
