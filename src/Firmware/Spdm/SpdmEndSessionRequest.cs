using SevTio.Protocols.Spdm;

namespace SevTio.Firmware.Spdm;

/// <summary>END_SESSION → END_SESSION_ACK; afterwards the session is ended on both sides.</summary>
public sealed class SpdmEndSessionRequest : SpdmSessionFlow
{
    private bool _done;

    internal SpdmEndSessionRequest(SpdmSession session)
        : base(session)
    {
    }

    protected override bool HasWork => !_done;

    protected override byte[] BuildNextRequest() => new SpdmEndSession().Encode();

    protected override void HandleResponse(byte[] message)
    {
        _done = true;
        SpdmEndSessionAck.Decode(message);
        Session.End();
    }
}
