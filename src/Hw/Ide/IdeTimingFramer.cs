using SevTio.Hw.Pcie;

namespace SevTio.Hw.Ide;

/// <summary>
/// The transmit framing of a Selective IDE stream without the cryptography, for <c>crypto.mode=timing</c> at packet
/// level: the same unit rule as <see cref="IdeStream.Seal"/> (close at the aggregation count, before 1 KiB of payload,
/// or when no further TLP is known to follow), the same PR_Sent counters and IDE Sync rule (§6.33.7), and the same
/// prefix and trailer bytes on the wire, so every TLP has its functional length. Payload, PCRC and MAC bytes are left
/// as they are; a receiver in timing mode does not check them.
/// </summary>
public sealed class IdeTimingFramer
{
    private readonly int[] _unitCount = new int[3];
    private readonly int[] _unitPayload = new int[3];
    private readonly IdeStreamSettings _settings;
    private int _prSentNonPosted;
    private int _prSentCompletion;

    public IdeTimingFramer(byte streamId, IdeStreamSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        StreamId = streamId;
        _settings = settings.Validate();
    }

    public byte StreamId { get; }

    /// <summary>A PR_Sent counter reached 245: an IDE Sync goes next (as <see cref="IdeStream.SyncPending"/>).</summary>
    public bool SyncPending => _prSentNonPosted >= IdeStream.SyncThreshold || _prSentCompletion >= IdeStream.SyncThreshold;

    /// <summary>TLPs framed so far.</summary>
    public long TlpsFramed { get; private set; }

    /// <summary>IDE Sync messages built so far.</summary>
    public long SyncMessages { get; private set; }

    /// <summary>Inserts the IDE prefix and appends PCRC/MAC space as <see cref="IdeStream.Seal"/> would.</summary>
    /// <param name="tlp">A TLP without IDE prefix.</param>
    /// <param name="nextPayloadBytes">The next TLP's payload on the same sub-stream if one follows, or -1.</param>
    /// <param name="teeOriginated">The T bit.</param>
    public void Frame(Tlp tlp, int nextPayloadBytes = -1, bool teeOriginated = false) => FrameCore(tlp, nextPayloadBytes, teeOriginated, isSync: false);

    /// <summary>Builds an IDE Sync message into <paramref name="destination"/> (posted, closes the posted unit).</summary>
    public void FrameSync(Tlp destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var npr = (byte)Math.Min(255, _prSentNonPosted + 1);
        var cpl = (byte)Math.Min(255, _prSentCompletion + 1);
        destination.Encode(TlpHeader.IdeMessage(MessageCode.IdeSync, _settings.RequesterId, _settings.PartnerId, StreamId, npr, cpl, _settings.TrafficClass), default);
        FrameCore(destination, -1, teeOriginated: false, isSync: true);
        SyncMessages++;
    }

    private void FrameCore(Tlp tlp, int nextPayloadBytes, bool teeOriginated, bool isSync)
    {
        ArgumentNullException.ThrowIfNull(tlp);
        var ss = (int)tlp.Header.FlowControlType;
        var payload = tlp.Layout.PayloadBytes;
        var aggregation = _settings.Aggregation((IdeSubstream)ss);
        var unitPayload = _unitPayload[ss] + payload;
        var closing = isSync || nextPayloadBytes < 0 || _unitCount[ss] + 1 >= aggregation ||
                      unitPayload + nextPayloadBytes > IdeStream.UnitPayloadLimit;
        var pcrc = _settings.PcrcEnabled && closing && unitPayload > 0;
        var carried = ss switch
        {
            (int)FlowControlType.NonPosted => _prSentNonPosted,
            (int)FlowControlType.Completion => _prSentCompletion,
            _ => 0,
        };

        tlp.InsertIdePrefix(new IdePrefix(StreamId, (byte)ss, (byte)carried, pcrc, closing, 0, teeOriginated));
        tlp.AppendIdeTrailer(pcrc, closing);
        tlp.IdeStreamHint = StreamId;
        if (closing)
        {
            _unitCount[ss] = 0;
            _unitPayload[ss] = 0;
        }
        else
        {
            _unitCount[ss]++;
            _unitPayload[ss] = unitPayload;
        }

        switch (ss)
        {
            case (int)FlowControlType.Posted when isSync:
                _prSentNonPosted = 0;
                _prSentCompletion = 0;
                break;
            case (int)FlowControlType.Posted:
                _prSentNonPosted++;
                _prSentCompletion++;
                break;
            case (int)FlowControlType.NonPosted:
                _prSentNonPosted = 0;
                break;
            default:
                _prSentCompletion = 0;
                break;
        }

        TlpsFramed++;
    }
}
