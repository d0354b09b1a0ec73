namespace SevTio.Hw.Rmp;

/// <summary>Who owns a page, as the Assigned, ASID and Immutable fields encode it (APM vol. 2, table 15-35).</summary>
public enum RmpOwner
{
    /// <summary>Assigned = 0 (also every page the RMP does not cover).</summary>
    Hypervisor,

    /// <summary>Assigned = 1, ASID = the guest's ASID.</summary>
    Guest,

    /// <summary>Assigned = 1, ASID = 0, Immutable = 1: the AMD-SP (PSP firmware).</summary>
    Firmware,
}
