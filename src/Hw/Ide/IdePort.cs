using SevTio.Hw.Pcie;

namespace SevTio.Hw.Ide;

/// <summary>
/// The IDE function of one port (a root port or a device's upstream port): its Selective IDE streams, the IDE
/// extended capability that software programs them through, the key-management entry points IDE_KM's KEY_PROG /
/// K_SET_GO / K_SET_STOP land in, transmit stream selection (§6.33.4 association rules), receive dispatch by Stream ID,
/// and the AER bits IDE errors set.
/// </summary>
public sealed class IdePort : IDisposable
{
    private readonly IdeStream[] _streams;
    private readonly IdeStreamSettings _template;

    /// <param name="name">For logs.</param>
    /// <param name="streamCount">Selective IDE streams implemented (1-256).</param>
    /// <param name="addressBlocks">Address association blocks per stream (0-15).</param>
    /// <param name="settings">Model settings for every stream (latencies, counter limit, requester and partner IDs); the Control register supplies the rest at Enable.</param>
    /// <param name="teeLimitedSupported">Capability bit 24.</param>
    public IdePort(string name, int streamCount = 1, int addressBlocks = 1, IdeStreamSettings? settings = null, bool teeLimitedSupported = true)
    {
        if (streamCount is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(streamCount), streamCount, "a port implements 1-256 Selective IDE streams");
        }

        if (addressBlocks is < 0 or > 15)
        {
            throw new ArgumentOutOfRangeException(nameof(addressBlocks), addressBlocks, "0-15 address association blocks per stream");
        }

        Name = name;
        _template = (settings ?? new IdeStreamSettings()).Validate();
        _streams = new IdeStream[streamCount];
        for (var i = 0; i < streamCount; i++)
        {
            var stream = new IdeStream(0, _template);
            stream.BecameInsecure += OnStreamInsecure;
            _streams[i] = stream;
        }

        Capability = new IdeCapability(this, streamCount, addressBlocks, teeLimitedSupported);
    }

    public string Name { get; }

    /// <summary>The register block to link into configuration space (<see cref="IdeCapability.ExtendedCapabilityId"/>, version 1).</summary>
    public IdeCapability Capability { get; }

    /// <summary>Streams by Selective register block index.</summary>
    public IReadOnlyList<IdeStream> Streams => _streams;

    /// <summary>AER Uncorrectable Error Status bits set by IDE errors (28, 29, 30); sticky until <see cref="ClearErrors"/>.</summary>
    public uint AerUncorrectableStatus { get; private set; }

    /// <summary>The first IDE error logged at this port (the AER First Error Pointer and Header Log).</summary>
    public IdeErrorRecord? FirstError { get; private set; }

    /// <summary>Raised when any stream of this port goes Insecure.</summary>
    public event Action<IdeStream, IdeCheckFailure>? StreamBecameInsecure;

    public void ClearErrors()
    {
        AerUncorrectableStatus = 0;
        FirstError = null;
    }

    /// <summary>The stream whose Control register carries <paramref name="streamId"/> (enabled or not), or null.</summary>
    public IdeStream? FindStream(byte streamId)
    {
        for (var i = 0; i < _streams.Length; i++)
        {
            if (Capability.ConfiguredStreamId(i) == streamId)
            {
                return _streams[i];
            }
        }

        return null;
    }

    private IdeStream? FindEnabledStream(byte streamId)
    {
        for (var i = 0; i < _streams.Length; i++)
        {
            if (_streams[i].IsEnabled && _streams[i].StreamId == streamId)
            {
                return _streams[i];
            }
        }

        return null;
    }

    /// <summary>
    /// Applies the IDE engine's pipelined crypto latencies (<see cref="IdeStreamSettings.TransmitLatency"/> and
    /// <see cref="IdeStreamSettings.ReceiveLatency"/>) to the link port this IDE function sits behind: every TLP it sends
    /// enters the serialiser later, every TLP it receives is delivered later; throughput is unaffected.
    /// </summary>
    public void AttachTiming(LinkPort port)
    {
        ArgumentNullException.ThrowIfNull(port);
        port.TransmitPipelineLatency = _template.TransmitLatency;
        port.ReceivePipelineLatency = _template.ReceiveLatency;
    }

    // ---------------------------------------------------------------- IDE_KM entry points

    /// <summary>KEY_PROG for the stream with <paramref name="streamId"/> (the stream's Control register names it).</summary>
    public IdeKeyStatus KeyProgram(byte streamId, IdeSubstream substream, IdeDirection direction, IdeKeySet keySet, ReadOnlySpan<byte> key, ulong initialCounter = 1)
    {
        var stream = FindStream(streamId);
        if (stream is null)
        {
            return IdeKeyStatus.UnsupportedValue;
        }

        if (!stream.IsEnabled && stream.StreamId != streamId)
        {
            stream.Configure(stream.Settings, streamId);
        }

        return stream.ProgramKey(substream, direction, keySet, key, initialCounter);
    }

    /// <summary>K_SET_GO.</summary>
    public IdeKeyStatus KeySetGo(byte streamId, IdeSubstream substream, IdeDirection direction, IdeKeySet keySet) =>
        FindStream(streamId)?.SetGo(substream, direction, keySet) ?? IdeKeyStatus.UnsupportedValue;

    /// <summary>K_SET_STOP.</summary>
    public IdeKeyStatus KeySetStop(byte streamId, IdeSubstream substream, IdeDirection direction, IdeKeySet keySet) =>
        FindStream(streamId)?.SetStop(substream, direction, keySet) ?? IdeKeyStatus.UnsupportedValue;

    // ---------------------------------------------------------------- transmit association

    /// <summary>
    /// Picks the Selective stream a TLP must use (§6.33.4): a completion uses its request's stream
    /// (<paramref name="completionStreamId"/>); an ID-routed message one whose RID range holds the destination; a memory
    /// request one whose address association holds the address (with TEE-Limited, only T=1 requests); anything else the
    /// Default stream. Returns null when the TLP goes without Selective IDE.
    /// </summary>
    public IdeStream? SelectTransmitStream(in TlpHeader header, bool teeOriginated, int completionStreamId = -1)
    {
        if (TlpCodec.IsCompletion(header.Type))
        {
            return completionStreamId < 0 ? null : FindEnabledStream((byte)completionStreamId);
        }

        IdeStream? fallback = null;
        for (var i = 0; i < _streams.Length; i++)
        {
            var stream = _streams[i];
            if (!stream.IsEnabled || !stream.IsAllowed(header))
            {
                continue;
            }

            var ctl = Capability.StreamControl(i);
            if (ctl["TEELIM"].IsSet && !teeOriginated)
            {
                continue;
            }

            if (TlpCodec.IsMessage(header.Type) && header.Routing == MessageRouting.ById)
            {
                var rid2 = Capability.RidAssociation2(i);
                if (rid2["V"].IsSet)
                {
                    var target = header.MessageTargetId;
                    if (target >= rid2["BASE"].Value && target <= Capability.RidAssociation1(i)["LIMIT"].Value)
                    {
                        return stream;
                    }
                }
            }
            else if (TlpCodec.IsMemoryRequest(header.Type) && AddressMatches(i, header.Address))
            {
                return stream;
            }

            if (ctl["DEF"].IsSet)
            {
                fallback ??= stream;
            }
        }

        return fallback;
    }

    private bool AddressMatches(int index, ulong address)
    {
        for (var a = 0; a < Capability.AddressBlocks; a++)
        {
            var r1 = Capability.AddressAssociation(index, a, 1);
            if (!r1["V"].IsSet)
            {
                continue;
            }

            var baseAddress = ((ulong)Capability.AddressAssociation(index, a, 3).Read() << 32) | ((ulong)r1["BASE_LO"].Value << 20);
            var limit = ((ulong)Capability.AddressAssociation(index, a, 2).Read() << 32) | ((ulong)r1["LIMIT_LO"].Value << 20) | 0xF_FFFF;
            if (address >= baseAddress && address <= limit)
            {
                return true;
            }
        }

        return false;
    }

    // ---------------------------------------------------------------- receive

    /// <summary>
    /// Routes an arriving TLP: an IDE TLP goes to its enabled stream (or is dropped as Misrouted, AER bit 29, stream
    /// state unchanged); an IDE Fail message makes the named stream Insecure; any other non-IDE TLP comes back as
    /// <see cref="IdeReceiveStatus.NotIde"/> for the caller.
    /// </summary>
    public IdeReceiveStatus Receive<TSink>(Tlp tlp, ref TSink sink)
        where TSink : IIdeReceiveSink, allows ref struct =>
        ReceiveCore(tlp, ref sink, default);

    /// <summary>
    /// As <see cref="Receive{TSink}"/>, for a write TLP whose payload goes whole to a private page
    /// (<paramref name="store"/>): its stream checks the MAC in the pass that stores it when the TLP is a unit of its own
    /// (<see cref="IdeStream.ReceiveWrite{TSink}"/>).
    /// </summary>
    public IdeReceiveStatus ReceiveWrite<TSink>(Tlp tlp, ref TSink sink, IdeFusedWrite store)
        where TSink : IIdeReceiveSink, allows ref struct =>
        ReceiveCore(tlp, ref sink, store);

    private IdeReceiveStatus ReceiveCore<TSink>(Tlp tlp, ref TSink sink, IdeFusedWrite store)
        where TSink : IIdeReceiveSink, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(tlp);
        if (!tlp.Layout.HasIdePrefix)
        {
            if (tlp.Header.Type == TlpType.Message && tlp.Header.MessageCode == MessageCode.IdeFail)
            {
                FindEnabledStream((byte)tlp.Header.MessageSpecific)?.OnFailMessageReceived();
            }

            return IdeReceiveStatus.NotIde;
        }

        var stream = FindEnabledStream(tlp.IdePrefix.StreamId);
        if (stream is null)
        {
            Log(IdeCheckFailure.Misrouted, tlp.IdePrefix.StreamId, tlp.Wire[..tlp.Layout.PayloadOffset].ToArray());
            sink.OnDropped(tlp, IdeCheckFailure.Misrouted);
            return IdeReceiveStatus.Dropped;
        }

        var status = stream.ReceiveWrite(tlp, ref sink, store);
        if (stream.FirstError is { } e && FirstError is null && e.Reason is IdeCheckFailure.PcrcCheckFailed)
        {
            Log(e.Reason, e.StreamId, e.HeaderLog);
        }

        return status;
    }

    /// <summary>
    /// A packet failed to parse at this port. If it starts (after local prefixes) with an IDE prefix of an enabled
    /// stream, that stream goes Insecure (<see cref="IdeCheckFailure.MalformedTlp"/>): an IDE TLP that cannot be checked
    /// is treated as one that failed its check. Returns the stream affected, if any.
    /// </summary>
    public IdeStream? ReportMalformed(ReadOnlySpan<byte> wire)
    {
        var at = 0;
        while (at + 4 <= wire.Length && (wire[at] & 0xF0) == 0x80)
        {
            at += 4;
        }

        if (at + 4 > wire.Length || wire[at] != IdePrefix.PrefixByte0)
        {
            return null;
        }

        var stream = FindEnabledStream(wire[at + 2]);
        stream?.ForceInsecure(IdeCheckFailure.MalformedTlp);
        return stream;
    }

    public void Dispose()
    {
        foreach (var s in _streams)
        {
            s.Dispose();
        }
    }

    private void OnStreamInsecure(IdeStream stream, IdeCheckFailure reason)
    {
        if (reason == IdeCheckFailure.FailMessageReceived)
        {
            var index = Array.IndexOf(_streams, stream);
            Capability.StreamStatus(index)["RFM"].IsSet = true;
        }
        else if (stream.FirstError is { } e)
        {
            Log(e.Reason, e.StreamId, e.HeaderLog);
        }

        StreamBecameInsecure?.Invoke(stream, reason);
    }

    private void Log(IdeCheckFailure reason, byte streamId, byte[] header)
    {
        var bit = IdeErrors.AerBit(reason);
        if (bit < 0)
        {
            return;
        }

        AerUncorrectableStatus |= 1u << bit;
        FirstError ??= new IdeErrorRecord(reason, bit, streamId, header);
    }
}
