namespace SevTio.Protocols.Psp;

/// <summary>SLA bit 1 (sev-dev-tio.c <c>SLA_PAGE_SIZE_*</c>).</summary>
public enum SlaPageSize : byte
{
    Size4K = 0,
    Size2M = 1,
}
