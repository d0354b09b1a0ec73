using SevTio.Protocols.IdeKm;
using SevTio.Protocols.Spdm;

namespace SevTio.Firmware.Spdm;

/// <summary>
/// The PSP's IDE_KM requester on an established session: a queue of QUERY, KEY_PROG, K_SET_GO and K_SET_STOP
/// operations run one at a time (IDE_KM allows one outstanding request), each response checked: QUERY_RESP must
/// echo the port index, KP_ACK must echo stream, KeyInfo and port and report success, K_GOSTOP_ACK must echo the
/// request. Typical device setup: Query(0); six KeyProg (PR/NPR/CPL × Rx/Tx); GO the receivers, then the transmitters.
/// </summary>
public sealed class IdeKmRequester : SpdmSessionFlow
{
    private readonly Queue<IdeKmMessage> _queue = new();
    private IdeKmMessage? _current;

    public IdeKmRequester(SpdmSession session)
        : base(session)
    {
    }

    /// <summary>The last QUERY_RESP (for the downgrade check against config space).</summary>
    public IdeKmQueryResponse? QueryResponse { get; private set; }

    /// <summary>The last KP_ACK status received.</summary>
    public IdeKmKpAckStatus? LastKpAckStatus { get; private set; }

    /// <summary>Operations completed so far.</summary>
    public int CompletedOperations { get; private set; }

    protected override bool HasWork => _queue.Count > 0;

    public IdeKmRequester Query(byte portIndex = 0) => Enqueue(new IdeKmQuery(portIndex));

    /// <param name="key">The AES-256 key in AES byte order; the codec puts it on the wire in IDE_KM order.</param>
    /// <param name="initialCounter">The IFV (IV bits 63:0), 1 at setup and after every refresh.</param>
    public IdeKmRequester KeyProg(byte streamId, IdeKmKeyInfo keyInfo, byte[] key, ulong initialCounter = 1, byte portIndex = 0) =>
        Enqueue(new IdeKmKeyProg(streamId, keyInfo, portIndex, key, initialCounter));

    public IdeKmRequester KeySetGo(byte streamId, IdeKmKeyInfo keyInfo, byte portIndex = 0) =>
        Enqueue(new IdeKmKeySetMessage(IdeKmObjectId.KSetGo, streamId, keyInfo, portIndex));

    public IdeKmRequester KeySetStop(byte streamId, IdeKmKeyInfo keyInfo, byte portIndex = 0) =>
        Enqueue(new IdeKmKeySetMessage(IdeKmObjectId.KSetStop, streamId, keyInfo, portIndex));

    /// <summary>The SPDM VENDOR_DEFINED_REQUEST carrying an IDE_KM object.</summary>
    public static byte[] BuildRequest(IdeKmMessage message) => PciSigVendorDefined.EncodeRequest(PciProtocolId.IdeKm, message.Encode());

    /// <summary>The IDE_KM object inside an SPDM VENDOR_DEFINED_RESPONSE (format errors name the field).</summary>
    public static IdeKmMessage ParseResponse(byte[] spdmResponse)
    {
        var vendor = SpdmVendorDefinedMessage.DecodeResponse(spdmResponse);
        var protocol = PciSigVendorDefined.Unwrap(vendor, out var message);
        if (protocol != PciProtocolId.IdeKm)
        {
            throw new SevTio.Protocols.Wire.ProtocolFormatException("SPDM.VENDOR_DEFINED_RESPONSE.ProtocolID", $"{protocol} is not IDE_KM");
        }

        return IdeKmMessage.Decode(message);
    }

    protected override byte[] BuildNextRequest()
    {
        _current = _queue.Peek();
        return BuildRequest(_current);
    }

    protected override string DescribePending() => $"IDE_KM {_current?.ObjectId}";

    protected override void HandleResponse(byte[] message)
    {
        var request = _queue.Dequeue();
        var response = ParseResponse(message);
        switch (request, response)
        {
            case (IdeKmQuery q, IdeKmQueryResponse r) when r.PortIndex == q.PortIndex:
                QueryResponse = r;
                break;
            case (IdeKmKeyProg p, IdeKmKpAck a) when a.StreamId == p.StreamId && a.KeyInfo == p.KeyInfo && a.PortIndex == p.PortIndex:
                LastKpAckStatus = a.Status;
                if (a.Status != IdeKmKpAckStatus.Success)
                {
                    Fail(SpdmFailureReason.KeyProgrammingRejected, $"KP_ACK {a.Status} for stream {p.StreamId} {p.KeyInfo}");
                    return;
                }

                break;
            case (IdeKmKeySetMessage s, IdeKmKeySetMessage { ObjectId: IdeKmObjectId.KGoStopAck } a)
                when a.StreamId == s.StreamId && a.KeyInfo == s.KeyInfo && a.PortIndex == s.PortIndex:
                break;
            default:
                Fail(SpdmFailureReason.UnexpectedResponse, $"{response.ObjectId} does not answer {request.ObjectId} (or echoes other fields)");
                return;
        }

        CompletedOperations++;
    }

    private IdeKmRequester Enqueue(IdeKmMessage message)
    {
        _queue.Enqueue(message);
        Resume();
        return this;
    }
}
