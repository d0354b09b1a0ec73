using SevTio.Hw.Doe;

namespace SevTio.Firmware.DeviceSecurityManager.Binding;

/// <summary>
/// Puts the DSM firmware behind a DOE mailbox (function 0): the mailbox hardware checks and moves the DWs, the firmware
/// answers discovery, CMA/SPDM and secured CMA/SPDM objects.
/// </summary>
public sealed class DsmDoeResponder : IDoeResponder
{
    private static readonly DoeProtocol[] s_protocols = [DoeProtocol.Discovery, DoeProtocol.CmaSpdm, DoeProtocol.SecuredCmaSpdm];

    private readonly DsmFirmware _firmware;

    public DsmDoeResponder(DsmFirmware firmware)
    {
        ArgumentNullException.ThrowIfNull(firmware);
        _firmware = firmware;
    }

    public IReadOnlyList<DoeProtocol> Protocols => s_protocols;

    public byte[]? Respond(ReadOnlySpan<byte> dataObject) => _firmware.HandleDoeObject(dataObject);
}
