namespace SevTio.Protocols.GuestMessages;

/// <summary>Status of TIO_MSG_SDTE_WRITE_RSP (include/linux/psp-sev.h <c>enum sdte_write_status</c>).</summary>
public enum SdteWriteStatus : ushort
{
    Success = 0,
    InvalidTdi = 1,
    TdiNotBound = 2,

    /// <summary>The sDTE image sets fields the guest may not write.</summary>
    Reserved = 3,
}
