namespace SevTio.Hw.Rmp;

/// <summary>
/// What an RMP instruction returned. Values 0–7 are the architectural EAX return codes of RMPUPDATE, PSMASH, PVALIDATE and
/// RMPADJUST (APM vol. 3; Linux <c>arch/x86/include/asm/sev.h</c>; MSVC <c>__rmpupdate</c>/<c>__psmash</c>/<c>__pvalidate</c>/<c>__rmpadjust</c>
/// documentation). <see cref="NoUpdate"/> is PVALIDATE's "no update" (EAX = 0 with rFLAGS.CF = 1; Linux calls it
/// PVALIDATE_FAIL_NOUPDATE = 255). <see cref="NestedPageFault"/> is not a return code: the instruction did not complete
/// because the CPU took #VMEXIT(NPF) (exit code 0x400), which this model reports in the same typed result.
/// </summary>
public enum RmpStatus
{
    Success = 0,

    /// <summary>FAIL_INPUT: an operand is invalid (alignment, reserved bits, address not covered by the RMP, ASID out of range).</summary>
    FailInput = 1,

    /// <summary>FAIL_PERMISSION: the entry is immutable, or the caller's privilege (VMPL, ASID) does not allow the change.</summary>
    FailPermission = 2,

    /// <summary>FAIL_INUSE: the entry is in use (marked by VMRUN for a running VMSA/VMCB, or held by another processor).</summary>
    FailInUse = 3,

    /// <summary>FAIL_OVERLAP: RMPUPDATE found a 4 KiB and a 2 MiB assignment overlapping.</summary>
    FailOverlap = 4,

    /// <summary>FAIL_SIZEMISMATCH: a 2 MiB PVALIDATE/RMPADJUST met a 4 KiB RMP entry.</summary>
    FailSizeMismatch = 6,

    /// <summary>FAIL_BADADDR: PSMASH on an entry that is not a 2 MiB page ("does not meet the requirements for expansion").</summary>
    FailBadAddress = 7,

    /// <summary>PVALIDATE left the Validated bit as it was because it already had the requested value (rFLAGS.CF = 1).</summary>
    NoUpdate = 255,

    /// <summary>Not a return code: the instruction faulted with #VMEXIT(NPF); the result's violation says why.</summary>
    NestedPageFault = 0x400,
}
