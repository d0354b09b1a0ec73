namespace SevTio.Protocols.Ghcb;

/// <summary>
/// RDX of SEV_TIO_GUEST_REQUEST for TIO_MSG_SDTE_WRITE (uapi sev-guest.h <c>SDTE_VALIDATE</c>): seed 1 to enable
/// trusted DMA, 0 to clear it. Later snapshots pass <c>vTOM | SDTE_VALIDATE</c> (vTOM is 2 MiB aligned, so bit 0 is free).
/// </summary>
public static class SdteWriteParam
{
    public const ulong Validate = 1;

    public const ulong Clear = 0;

    /// <summary>The later encoding: vTOM with the validate bit.</summary>
    public static ulong WithVtom(ulong vtom, bool validate)
    {
        if ((vtom & ((1ul << 21) - 1)) != 0)
        {
            throw new ArgumentException("vTOM is in 2 MiB units", nameof(vtom));
        }

        return vtom | (validate ? Validate : 0);
    }
}
