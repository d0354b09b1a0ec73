using SevTio.Protocols.IdeKm;
using SevTio.Protocols.Wire;

namespace SevTio.Firmware.DeviceSecurityManager;

/// <summary>
/// The device's IDE_KM responder (PCIe §6.33.3). Messages outside a secured session, of the wrong size, or that are
/// not requests get no answer. The first KEY_PROG of a stream binds the stream to its SPDM session: requests for that
/// stream from another session are dropped, and when the session ends the stream's keys are invalidated. KEY_PROG
/// loads a slot and answers KP_ACK with the slot's status; K_SET_GO arms a programmed key set and K_SET_STOP destroys
/// one, each answered K_GOSTOP_ACK; a GO or STOP that cannot be carried out gets no ACK.
/// </summary>
public sealed class IdeKmResponder
{
    private const int SubStreams = 3;

    private readonly IIdeKeySlots _slots;
    private readonly IdeKmPortIdentity _port;
    private readonly Func<byte[]> _readIdeCapability;
    private readonly Dictionary<byte, StreamKeys> _streams = [];

    /// <param name="readIdeCapability">Reads the IDE Extended Capability from offset 04h (for QUERY_RESP).</param>
    public IdeKmResponder(IIdeKeySlots slots, IdeKmPortIdentity port, Func<byte[]> readIdeCapability)
    {
        ArgumentNullException.ThrowIfNull(slots);
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(readIdeCapability);
        _slots = slots;
        _port = port;
        _readIdeCapability = readIdeCapability;
    }

    /// <summary>
    /// Handles one IDE_KM object (the vendor-defined payload after the Protocol ID). Returns the response object, or
    /// null for no answer.
    /// </summary>
    public byte[]? Handle(uint? sessionId, ReadOnlySpan<byte> message)
    {
        if (sessionId is not { } session)
        {
            return null;
        }

        IdeKmMessage request;
        try
        {
            request = IdeKmMessage.Decode(message);
        }
        catch (ProtocolFormatException)
        {
            return null;
        }

        return request switch
        {
            IdeKmQuery query => OnQuery(query),
            IdeKmKeyProg keyProg => OnKeyProg(session, keyProg),
            IdeKmKeySetMessage { ObjectId: IdeKmObjectId.KSetGo } go => OnGo(session, go),
            IdeKmKeySetMessage { ObjectId: IdeKmObjectId.KSetStop } stop => OnStop(session, stop),
            _ => null,
        };
    }

    /// <summary>
    /// The SPDM session that keyed <paramref name="streamId"/>, and whether every sub-stream in both directions has
    /// an armed key set (what TDISP LOCK requires of the default stream).
    /// </summary>
    public bool TryGetStreamKeying(byte streamId, out uint sessionId, out bool allSubStreamsArmed)
    {
        if (!_streams.TryGetValue(streamId, out var keys))
        {
            sessionId = 0;
            allSubStreamsArmed = false;
            return false;
        }

        sessionId = keys.Session;
        allSubStreamsArmed = keys.Armed.All(a => a is not null);
        return true;
    }

    /// <summary>The session that programmed keys has ended: its streams' keys are invalidated (stream → Insecure).</summary>
    public void OnSessionEnded(uint sessionId)
    {
        foreach (var (streamId, keys) in _streams.Where(s => s.Value.Session == sessionId).ToList())
        {
            _streams.Remove(streamId);
            _slots.InvalidateStream(streamId);
        }
    }

    private byte[]? OnQuery(IdeKmQuery query)
    {
        if (query.PortIndex > _port.MaxPortIndex)
        {
            return null;
        }

        return new IdeKmQueryResponse(query.PortIndex, _port.DevFunc, _port.Bus, _port.Segment, _port.MaxPortIndex, _readIdeCapability()).Encode();
    }

    private byte[]? OnKeyProg(uint session, IdeKmKeyProg request)
    {
        if (_streams.TryGetValue(request.StreamId, out var keys) && keys.Session != session)
        {
            return null;
        }

        IdeKmKpAckStatus status;
        if (request.PortIndex > _port.MaxPortIndex)
        {
            status = IdeKmKpAckStatus.UnsupportedPortIndex;
        }
        else if (!request.KeyInfo.IsValidSubStream)
        {
            status = IdeKmKpAckStatus.UnsupportedValue;
        }
        else
        {
            var info = request.KeyInfo;
            status = _slots.ProgramKey(request.StreamId, info.SubStream, info.Direction, info.KeySet, request.Key, request.InitialCounter);
            if (status == IdeKmKpAckStatus.Success)
            {
                keys ??= _streams[request.StreamId] = new StreamKeys(session);
                keys.Programmed[SlotIndex(info)] = true;
            }
        }

        return new IdeKmKpAck(request.StreamId, status, request.KeyInfo, request.PortIndex).Encode();
    }

    private byte[]? OnGo(uint session, IdeKmKeySetMessage request)
    {
        var info = request.KeyInfo;
        if (!Owns(session, request, out var keys) || !keys.Programmed[SlotIndex(info)]
            || !_slots.Go(request.StreamId, info.SubStream, info.Direction, info.KeySet))
        {
            return null;
        }

        keys.Armed[ArmIndex(info)] = info.KeySet;
        return Ack(request);
    }

    private byte[]? OnStop(uint session, IdeKmKeySetMessage request)
    {
        var info = request.KeyInfo;
        if (!Owns(session, request, out var keys) || !keys.Programmed[SlotIndex(info)]
            || !_slots.Stop(request.StreamId, info.SubStream, info.Direction, info.KeySet))
        {
            return null;
        }

        keys.Programmed[SlotIndex(info)] = false;
        if (keys.Armed[ArmIndex(info)] == info.KeySet)
        {
            keys.Armed[ArmIndex(info)] = null;
        }

        return Ack(request);
    }

    private bool Owns(uint session, IdeKmKeySetMessage request, out StreamKeys keys)
    {
        keys = null!;
        return request.PortIndex <= _port.MaxPortIndex
            && request.KeyInfo.IsValidSubStream
            && _streams.TryGetValue(request.StreamId, out keys!)
            && keys.Session == session;
    }

    private static byte[] Ack(IdeKmKeySetMessage request) =>
        new IdeKmKeySetMessage(IdeKmObjectId.KGoStopAck, request.StreamId, request.KeyInfo, request.PortIndex).Encode();

    private static int ArmIndex(IdeKmKeyInfo info) => ((int)info.Direction * SubStreams) + (int)info.SubStream;

    private static int SlotIndex(IdeKmKeyInfo info) => (ArmIndex(info) * 2) + info.KeySet;

    /// <summary>Firmware bookkeeping of one stream: owner session, programmed slots, armed key set per sub-stream.</summary>
    private sealed class StreamKeys(uint session)
    {
        public uint Session { get; } = session;

        public bool[] Programmed { get; } = new bool[2 * SubStreams * 2];

        public byte?[] Armed { get; } = new byte?[2 * SubStreams];
    }
}
