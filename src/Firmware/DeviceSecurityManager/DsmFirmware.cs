using System.Diagnostics;
using SevTio.Firmware.Spdm;
using SevTio.Hw.Simulation;
using SevTio.Hw.Telemetry;
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
    /// <summary>Spans of the device firmware: <c>dsm.handle</c> per data object, with the protocol and message.</summary>
    public const string ActivitySourceName = "SevTio.Dsm";
    public const string HandleSpan = "dsm.handle";

    private static readonly ActivitySource s_activitySource = new(ActivitySourceName);

    private static readonly DoeDataObjectType[] s_protocols =
        [DoeDataObjectType.Discovery, DoeDataObjectType.Spdm, DoeDataObjectType.SecuredSpdm];

    private readonly Scheduler? _scheduler;
    private Activity? _span;

    public DsmFirmware(DsmFirmwareOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _scheduler = options.Scheduler;
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
        if (_scheduler is null)
        {
            return Handle(dataObject);
        }

        // The firmware answers within the DOE mailbox's response latency, so its span is an instant of simulated time
        // inside the doe.exchange (the caller's current activity) that carried the object.
        _span = SimSpan.Start(s_activitySource, HandleSpan, _scheduler.Now);
        try
        {
            var response = Handle(dataObject);
            _span?.SetTag("sevtio.dsm.answered", response is not null);
            return response;
        }
        finally
        {
            SimSpan.End(_span, _scheduler.Now);
            _span = null;
        }
    }

    private byte[]? Handle(ReadOnlySpan<byte> dataObject)
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

        _span?.SetTag("sevtio.dsm.object_type", header.DataObjectType.ToString());
        if (header.DataObjectType == DoeDataObjectType.Spdm && payload.Length >= 2)
        {
            // SPDM header: version, then the request code (DSP0274 §8).
            _span?.SetTag("sevtio.spdm.request_code", $"0x{payload[1]:X2}");
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

        _span?.SetTag("sevtio.dsm.protocol", protocol.ToString());
        // IDE_KM objects start with the Object ID (PCIe §6.33.3); TDISP messages with TDISPVersion, then MessageType (§11.3.1).
        var codeAt = protocol == PciProtocolId.IdeKm ? 0 : 1;
        if (message.Length > codeAt)
        {
            _span?.SetTag("sevtio.dsm.message_code", $"0x{message[codeAt]:X2}");
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
