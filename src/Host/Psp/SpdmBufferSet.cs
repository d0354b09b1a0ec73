using SevTio.Protocols.Psp;

namespace SevTio.Host.Psp;

/// <summary>
/// The four SPDM buffers of a device link (Linux <c>struct tsm_dsm_tio</c>'s req/resp/scratch/output): request,
/// scratch and output donated to the PSP, the response buffer the host's own (it writes the device's replies there).
/// </summary>
public sealed class SpdmBufferSet
{
    private readonly SevPspDriver _driver;

    public SpdmBufferSet(SevPspDriver driver, int requestPages = 1, int responsePages = 4, int scratchPages = 1, int outputPages = 1)
    {
        ArgumentNullException.ThrowIfNull(driver);
        _driver = driver;
        Request = driver.AllocateBuffer(requestPages, firmwareOwned: true);
        Response = driver.AllocateBuffer(responsePages, firmwareOwned: false);
        Scratch = driver.AllocateBuffer(scratchPages, firmwareOwned: true);
        Output = driver.AllocateBuffer(outputPages, firmwareOwned: true);
    }

    public FirmwareBuffer Request { get; private set; }

    public FirmwareBuffer Response { get; private set; }

    public FirmwareBuffer Scratch { get; private set; }

    public FirmwareBuffer Output { get; private set; }

    public SpdmControl Control => new(Request.Sla, Response.Sla, Scratch.Sla, Output.Sla);

    /// <summary>Replaces the output buffer by one of <paramref name="pages"/> pages (after EXPAND_BUFFER_LENGTH_REQUEST).</summary>
    public void ResizeOutput(int pages)
    {
        var old = Output;
        Output = _driver.AllocateBuffer(pages, firmwareOwned: true);
        _driver.FreeBuffer(old);
    }

    /// <summary>The data object the PSP left in the output buffer, or null when it does not parse as <paramref name="expected"/>.</summary>
    public byte[]? ReadOutputObject(DataObjectId expected)
    {
        try
        {
            return SlaBuffer.ReadDeviceObject(_driver.ReadBuffer(Output), expected).Data.ToArray();
        }
        catch (Protocols.Wire.ProtocolFormatException)
        {
            return null;
        }
    }

    public void Free()
    {
        _driver.FreeBuffer(Request);
        _driver.FreeBuffer(Response);
        _driver.FreeBuffer(Scratch);
        _driver.FreeBuffer(Output);
    }
}
