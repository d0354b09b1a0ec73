using SevTio.Firmware.Spdm;
using SevTio.Protocols.Doe;

namespace SevTio.Firmware.Tests.Spdm;

public class SmokeTests
{
    [Fact]
    public void Handshake_Smoke()
    {
        var identity = SpdmDeviceIdentity.Create(new Random(1));
        var responder = new SpdmResponder(new SpdmResponderOptions { Identity = identity, Measurements = SpdmMeasurementLog.CreateDefault(), Random = new Random(2) });
        var requester = new SpdmRequester(new SpdmRequesterOptions { TrustedRootCertificate = identity.RootCertificate, Random = new Random(3) });
        while (requester.TryGetNextRequest(out var req))
        {
            var obj = DoeDataObject.Encode(req.Type, req.Payload);
            var h = DoeDataObject.Decode(obj, out var payload);
            var rsp = h.DataObjectType == DoeDataObjectType.Spdm ? responder.HandleRequest(payload) : responder.HandleSecuredMessage(payload);
            var robj = DoeDataObject.Encode(h.DataObjectType, rsp ?? []);
            DoeDataObject.Decode(robj, out var rpayload);
            requester.Accept(rpayload);
        }
        Assert.Null(requester.Failure);
        Assert.Equal(SpdmFlowStatus.Completed, requester.Status);
    }
}
