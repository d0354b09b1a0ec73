using System.Diagnostics;
using SevTio.Firmware.Spdm;
using SevTio.Protocols.Psp;

namespace SevTio.Firmware.Psp;

/// <summary>
/// A command that needs the device, suspended between mailbox calls: the PSP returns SPDM_REQUEST with a request in
/// the request buffer, the host relays it over DOE and re-issues the same command with the response in the response
/// buffer, and the operation resumes where it stopped. Written as an iterator: each <c>yield</c> is one round trip.
/// </summary>
internal sealed class DeviceOperation
{
    private byte[] _response = [];

    public DeviceOperation(PspCommandId command, Activity? span)
    {
        Command = command;
        Span = span;
    }

    public PspCommandId Command { get; }

    /// <summary>The <c>psp.command</c> span: open from the first issue to completion.</summary>
    public Activity? Span { get; }

    /// <summary>The trust-flow phase span started last (the SPDM requests of an open phase are relayed under it).</summary>
    public Activity? Phase { get; set; }

    public IEnumerator<SpdmTransportMessage>? Steps { get; set; }

    /// <summary>The request returned last; the host's response must carry the same data type.</summary>
    public SpdmTransportMessage? Outstanding { get; set; }

    public PspReturnCode Result { get; set; } = PspReturnCode.Success;

    /// <summary>The object to leave in the output buffer once the steps are done.</summary>
    public DeviceOutput? Output { get; set; }

    /// <summary>The steps are done; only the output is still waiting for a large enough buffer.</summary>
    public bool StepsDone { get; set; }

    /// <summary>Mailbox calls this operation took.</summary>
    public int Issues { get; set; }

    public void SetResponse(byte[] response) => _response = response;

    /// <summary>The response the host relayed for the outstanding request (empty when it brought none).</summary>
    public byte[] TakeResponse()
    {
        var response = _response;
        _response = [];
        return response;
    }
}

/// <summary>A certificate, measurement or report object for the output buffer.</summary>
internal sealed record DeviceOutput(DataObjectId Id, DeviceObjectType Type, byte[] Data);
