using SevTio.Protocols.Ghcb;

namespace SevTio.Guest.Messaging;

/// <summary>
/// The registers and buffers of one TIO guest request besides the message pages (Linux <c>struct snp_req_data</c> plus
/// the seed's <c>guest_rid</c> and <c>param</c>): in RCX the guest routing id, in RDX the parameter, in RAX/RBX the
/// shared data buffer for the blob table. After <see cref="SnpGuestChannel.Send{TRequest, TResponse}"/> it holds the
/// answer: RDX back from the hypervisor, the data buffer (reallocated if the host asked for more pages) and the raw
/// errors of SW_EXITINFO2.
/// </summary>
public sealed class SnpRequestData
{
    /// <summary>RCX: the guest's routing id of the device (seed: 16-bit BDF).</summary>
    public uint GuestRid { get; set; }

    /// <summary>RDX in: <see cref="TioGuestRequestParam"/>, <see cref="MmioRangeDescriptor"/> or <see cref="SdteWriteParam"/>; out: what the host returned.</summary>
    public ulong Param { get; set; }

    /// <summary>RAX: GPA of the shared data buffer, 0 for none.</summary>
    public ulong DataGpa { get; set; }

    /// <summary>RBX: pages of the data buffer.</summary>
    public long DataPages { get; set; }

    /// <summary>Out: SW_EXITINFO2 bits 31:0 of the last exit.</summary>
    public uint FirmwareError { get; internal set; }

    /// <summary>Out: SW_EXITINFO2 bits 63:32 of the last exit.</summary>
    public VmmError VmmError { get; internal set; }

    /// <summary>Out: exits this request took (BUSY retries and buffer reallocations included).</summary>
    public int Attempts { get; internal set; }
}
