namespace SevTio.Hw.Rmp;

/// <summary>The exception a CPU access took because of an RMP check (APM vol. 2 table 15-39).</summary>
public enum CpuFault
{
    None = 0,

    /// <summary>#PF with the RMP error-code bit (31) set: a hypervisor write to a page it does not own.</summary>
    PageFault,

    /// <summary>#VMEXIT(NPF): a guest access failed an RMP check (or its GPA is not mapped).</summary>
    NestedPageFault,

    /// <summary>#VC with error code PAGE_NOT_VALIDATED (0x404): a guest private access to a page it has not validated.</summary>
    VmmCommunication,
}
