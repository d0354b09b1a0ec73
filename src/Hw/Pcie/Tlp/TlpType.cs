namespace SevTio.Hw.Pcie;

/// <summary>
/// The TLP kinds of PCIe Base 6.x Table 2-3 (Non-Flit Mode Fmt/Type encodings). Prefixes are not TLP types here:
/// they are parsed as part of the packet that follows them.
/// </summary>
public enum TlpType : byte
{
    /// <summary>MRd: memory read request (3 DW header for 32-bit addresses, 4 DW for 64-bit).</summary>
    MemoryRead,

    /// <summary>MRdLk: locked memory read (legacy).</summary>
    MemoryReadLocked,

    /// <summary>MWr: memory write request (posted).</summary>
    MemoryWrite,

    /// <summary>IORd.</summary>
    IoRead,

    /// <summary>IOWr.</summary>
    IoWrite,

    /// <summary>CfgRd0.</summary>
    ConfigRead0,

    /// <summary>CfgWr0.</summary>
    ConfigWrite0,

    /// <summary>CfgRd1.</summary>
    ConfigRead1,

    /// <summary>CfgWr1.</summary>
    ConfigWrite1,

    /// <summary>DMWr: deferrable memory write (non-posted, with data).</summary>
    DeferrableMemoryWrite,

    /// <summary>FetchAdd AtomicOp.</summary>
    FetchAdd,

    /// <summary>Swap AtomicOp.</summary>
    Swap,

    /// <summary>CAS AtomicOp.</summary>
    CompareAndSwap,

    /// <summary>Msg: message without data (always a 4 DW header).</summary>
    Message,

    /// <summary>MsgD: message with data.</summary>
    MessageWithData,

    /// <summary>Cpl: completion without data.</summary>
    Completion,

    /// <summary>CplD: completion with data.</summary>
    CompletionWithData,

    /// <summary>CplLk: locked completion without data (error cases only).</summary>
    CompletionLocked,

    /// <summary>CplDLk: locked completion with data.</summary>
    CompletionWithDataLocked,
}
