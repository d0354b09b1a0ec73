namespace SevTio.Protocols.Psp;

/// <summary>SLA bit 0 (sev-dev-tio.c <c>SLA_PAGE_TYPE_*</c>).</summary>
public enum SlaPageType : byte
{
    /// <summary>The SLA points at a data page.</summary>
    Data = 0,

    /// <summary>The SLA points at a scatter page: an array of data SLAs ending in EOL.</summary>
    Scatter = 1,
}
