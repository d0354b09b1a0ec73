namespace SevTio.Protocols.Psp;

/// <summary>SLA buffer header <c>flags</c> (sev-dev-tio.c <c>SLA_BUFFER_FLAG_*</c>); bits 31:1 reserved.</summary>
[Flags]
public enum SlaBufferFlags : uint
{
    None = 0,

    /// <summary>The payload is encrypted; <c>iv</c> and <c>authtag</c> are meaningful.</summary>
    Encrypted = 1u << 0,
}
