namespace SevTio.Protocols.Ghcb;

/// <summary>
/// SW_EXITINFO2 as the hypervisor returns it for SNP_GUEST_REQUEST and SEV_TIO_GUEST_REQUEST: bits 31:0 the PSP's
/// status (<see cref="Psp.PspReturnCode"/> values), bits 63:32 the VMM's (<see cref="VmmError"/>;
/// <c>SNP_GUEST_VMM_ERR(x) = x &lt;&lt; 32</c>). SEV_TIO_OP uses the whole value as the firmware error.
/// </summary>
public readonly record struct GuestRequestResult(uint FirmwareError, VmmError VmmError)
{
    public static GuestRequestResult Success => default;

    public bool IsSuccess => FirmwareError == 0 && VmmError == VmmError.None;

    public ulong ToExitInfo2() => ((ulong)VmmError << 32) | FirmwareError;

    /// <summary>Splits SW_EXITINFO2. Unknown VMM errors are kept as their number (the guest treats them as failures).</summary>
    public static GuestRequestResult FromExitInfo2(ulong exitInfo2) => new((uint)exitInfo2, (VmmError)(exitInfo2 >> 32));
}
