using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// <c>struct spdm_ctrl</c> (sev-dev-tio.c), 32 bytes: the SLAs of the four SPDM buffers every SPDM-aware TIO
/// command carries. Request, scratch and output are firmware-owned; the response buffer stays hypervisor-owned
/// because the host writes the device's DOE reply into it.
/// </summary>
public readonly record struct SpdmControl(
    ScatterListAddress Request,
    ScatterListAddress Response,
    ScatterListAddress Scratch,
    ScatterListAddress Output)
{
    public const int Size = 4 * ScatterListAddress.Size;

    public void Write(ref WireWriter writer)
    {
        Request.Write(ref writer);
        Response.Write(ref writer);
        Scratch.Write(ref writer);
        Output.Write(ref writer);
    }

    public static SpdmControl Read(ref WireReader reader) => new(
        ScatterListAddress.Read(ref reader, "spdm_ctrl.req"),
        ScatterListAddress.Read(ref reader, "spdm_ctrl.resp"),
        ScatterListAddress.Read(ref reader, "spdm_ctrl.scratch"),
        ScatterListAddress.Read(ref reader, "spdm_ctrl.output"));
}
