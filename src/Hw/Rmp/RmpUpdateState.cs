namespace SevTio.Hw.Rmp;

/// <summary>
/// The new-state operand of RMPUPDATE (the 16-byte structure RCX points to; Linux <c>struct rmp_state</c>):
/// the fields the hypervisor may set. RMPUPDATE always clears Validated and VMSA and resets the VMPL permissions.
/// </summary>
/// <param name="Gpa">Guest physical address the page will be mapped at (ignored for a hypervisor-owned page).</param>
/// <param name="Assigned">1 for a guest or firmware page.</param>
/// <param name="PageSize">4 KiB or 2 MiB.</param>
/// <param name="Immutable">Set when donating a page to the AMD-SP (Linux <c>rmp_mark_pages_firmware</c>).</param>
/// <param name="Asid">Owning guest; 0 for hypervisor and firmware pages.</param>
public readonly record struct RmpUpdateState(ulong Gpa, bool Assigned, RmpPageSize PageSize, bool Immutable, int Asid)
{
    /// <summary>Back to the hypervisor (Linux <c>rmp_make_shared</c>).</summary>
    public static RmpUpdateState Hypervisor(RmpPageSize pageSize = RmpPageSize.Size4K) => new(0, false, pageSize, false, 0);

    /// <summary>Private to a guest at a GPA (Linux <c>rmp_make_private</c>).</summary>
    public static RmpUpdateState Guest(int asid, ulong gpa, RmpPageSize pageSize = RmpPageSize.Size4K) => new(gpa, true, pageSize, false, asid);

    /// <summary>Donated to the AMD-SP: assigned, ASID 0, immutable (Linux <c>rmp_mark_pages_firmware</c>).</summary>
    public static RmpUpdateState Firmware() => new(0, true, RmpPageSize.Size4K, true, 0);
}
