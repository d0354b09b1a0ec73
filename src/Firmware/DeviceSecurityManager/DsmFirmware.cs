using SevTio.Firmware.Spdm;
using SevTio.Protocols.Doe;
using SevTio.Protocols.Spdm;
using SevTio.Protocols.Wire;

namespace SevTio.Firmware.DeviceSecurityManager;

/// <summary>
/// The firmware of the device's security manager (DSM, PCIe Chapter 11), behind the DOE mailbox of function 0. It takes
/// one DOE data object in and gives one out, or nothing: discovery (type 0), plain SPDM (type 1) and secured SPDM
/// (type 2), with PCI-SIG vendor-defined messages routed to IDE_KM (Protocol ID 0) and TDISP (Protocol ID 1). The
/// mailbox hardware only moves the bytes.
/// </summary>
public sealed class DsmFirmware : ISpdmVendorDefinedHandler
{
    private static readonly DoeDataObjectType[] s_protocols =
        [DoeDataObjectType.Discovery, DoeDataObjectType.Spdm, DoeDataObjectType.SecuredSpdm];

    public DsmFirmware(DsmFirmwareOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IdeKm = new IdeKmResponder(options.KeySlots, options.Port, options.ReadIdeCapability);
        Tdisp = new TdispResponder(options.Functions, IdeKm, new TdispResponderOptions
        {
            Random = options.Random,
            MaxReportPortion = options.MaxReportPortion,
        });
        Spdm = new SpdmResponder(new SpdmResponderOptions
        {
            Identity = options.Identity,
            Measurements = options.Measurements,
            Random = options.Random,
            VendorDefinedHandler = this,
            MaxCertificatePortion = options.MaxCertificatePortion,
        });
    }

    public SpdmResponder Spdm { get; }

    public IdeKmResponder IdeKm { get; }

    public TdispResponder Tdisp { get; }

    /// <summary>
    /// Handles a data object the host wrote to the mailbox. Returns the response object, or null when nothing is
    /// returned (a dropped or unanswered request; an object this DSM cannot parse).
    /// </summary>
    public byte[]? HandleDoeObject(ReadOnlySpan<byte> dataObject)
    {
        DoeDataObjectHeader header;
        ReadOnlySpan<byte> payload;
        try
        {
            header = DoeDataObject.Decode(dataObject, out payload);
        }
        catch (ProtocolFormatException)
        {
            return null;
        }

        if (header.VendorId != DoeDataObjectHeader.PciSigVendorId)
        {
            return null;
        }

        var response = header.DataObjectType switch
        {
            DoeDataObjectType.Discovery => OnDiscovery(payload),
            DoeDataObjectType.Spdm => Spdm.HandleRequest(payload),
            DoeDataObjectType.SecuredSpdm => Spdm.HandleSecuredMessage(payload),
            _ => null,
        };
        return response is null ? null : DoeDataObject.Encode(header.DataObjectType, response);
    }

    byte[]? ISpdmVendorDefinedHandler.HandleVendorDefinedRequest(uint? sessionId, SpdmVendorDefinedMessage request)
    {
        // IDE_KM and TDISP are answered only inside a secured session; anything else gets no answer.
        if (sessionId is null || !PciSigVendorDefined.IsPciSig(request))
        {
            return null;
        }

        PciProtocolId protocol;
        ReadOnlySpan<byte> message;
        try
        {
            protocol = PciSigVendorDefined.Unwrap(request, out message);
        }
        catch (ProtocolFormatException)
        {
            return null;
        }

        var response = protocol switch
        {
            PciProtocolId.IdeKm => IdeKm.Handle(sessionId, message),
            PciProtocolId.Tdisp => Tdisp.Handle(sessionId, message),
            _ => null,
        };
        return response is null ? null : PciSigVendorDefined.EncodeResponse(protocol, response);
    }

    void ISpdmVendorDefinedHandler.OnSessionEnded(uint sessionId) => IdeKm.OnSessionEnded(sessionId);

    private static byte[]? OnDiscovery(ReadOnlySpan<byte> payload)
    {
        DoeDiscoveryRequest request;
        try
        {
            request = DoeDiscoveryRequest.Decode(payload);
        }
        catch (ProtocolFormatException)
        {
            return null;
        }

        if (request.Index >= s_protocols.Length)
        {
            return null;
        }

        var next = request.Index + 1 < s_protocols.Length ? (byte)(request.Index + 1) : (byte)0;
        return new DoeDiscoveryResponse(DoeDataObjectHeader.PciSigVendorId, s_protocols[request.Index], next).Encode();
    }
}
