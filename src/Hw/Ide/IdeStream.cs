using System.Buffers.Binary;
using SevTio.Hw.Crypto;
using SevTio.Hw.Pcie;

namespace SevTio.Hw.Ide;

/// <summary>
/// One Selective IDE stream at one partner port (PCIe 6.x §6.33): three sub-streams (PR, NPR, CPL) × transmit and
/// receive × key sets K0 and K1, each with its own AES-GCM-256 key and 64-bit invocation counter; the transmitter
/// seals TLPs in place (IDE prefix, ciphertext, PCRC, MAC; aggregation of 2/4/8 TLPs up to 1 KiB), the receiver checks
/// them and releases data only after the MAC of its unit verified.
/// </summary>
/// <remarks>
/// <para>IV = 32 zero bits ‖ 64-bit counter; AAD = IDE prefix ‖ other End-End prefixes ‖ header (concatenated across
/// an aggregated unit); P = payload (concatenated) ‖ PCRC; the MAC is the 96 most significant tag bits (§6.33.5).</para>
/// <para>Any receive check failure makes the stream Insecure: the failing TLP, any unit it belonged to and every later
/// IDE TLP are dropped (the link returns their credits), the first error is logged, keys are invalidated, and
/// <see cref="FailMessageRequired"/> asks the owner to send an IDE Fail message. An enabled stream that is not Secure
/// never lets a TLP go out in clear (<see cref="IdeSealStatus.Dropped"/>). Recovery: <see cref="Disable"/>, new keys,
/// <see cref="Enable"/>.</para>
/// <para>Key refresh without quiescing: program the idle set (<see cref="ProgramKey"/>) at both ends, GO the receivers,
/// then the transmitters (<see cref="SetGo"/>); the transmitter uses the new set from its next unit, the receiver keeps
/// accepting the old set until the first TLP with the new K verifies, then destroys the old set.</para>
/// <para>Not thread-safe: one stream belongs to one port, driven by one scheduler.</para>
/// </remarks>
public sealed class IdeStream : IDisposable
{
    /// <summary>Most TLPs in one MAC unit.</summary>
    public const int MaxUnitTlps = 8;

    /// <summary>Most payload bytes in one MAC unit (256 DW).</summary>
    public const int UnitPayloadLimit = 1024;

    /// <summary>A PR_Sent counter at this value requires an IDE Sync message (§6.33.7).</summary>
    public const int SyncThreshold = 245;

    private const int AadPerTlp = 48;

    private readonly KeySlot[] _slots = new KeySlot[12];
    private readonly TxUnit[] _tx = [new(), new(), new()];
    private readonly RxUnit[] _rx = [new(), new(), new()];
    private IdeStreamSettings _settings = new();
    private bool _enabled;
    private bool _failed;
    private int _prSentNonPosted;
    private int _prSentCompletion;
    private ulong _prReceivedNonPosted;
    private ulong _prReceivedCompletion;

    public IdeStream(byte streamId, IdeStreamSettings? settings = null)
    {
        StreamId = streamId;
        if (settings is not null)
        {
            _settings = settings.Validate();
        }

        for (var i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new KeySlot();
        }
    }

    /// <summary>The 8-bit Stream ID, the same at both partners. Changeable only while disabled.</summary>
    public byte StreamId { get; private set; }

    public IdeStreamSettings Settings => _settings;

    /// <summary>Enable as software set it in the stream's Control register.</summary>
    public bool IsEnabled => _enabled;

    /// <summary>Insecure (0) or Secure (2), as the Status register reports it.</summary>
    public IdeStreamState State { get; private set; } = IdeStreamState.Insecure;

    /// <summary>The first error logged since the stream was last enabled, or null.</summary>
    public IdeErrorRecord? FirstError { get; private set; }

    /// <summary>Set when the partner's IDE Fail message arrived (Status bit 31, RW1C in the capability).</summary>
    public bool ReceivedFailMessage { get; set; }

    /// <summary>A PR_Sent counter reached 245: the owner should send <see cref="SealSync"/> next on the posted path.</summary>
    public bool SyncPending => _prSentNonPosted >= SyncThreshold || _prSentCompletion >= SyncThreshold;

    /// <summary>The transmitter's PR_Sent-NPR and PR_Sent-CPL counters.</summary>
    public (int NonPosted, int Completion) PrSentCounters => (_prSentNonPosted, _prSentCompletion);

    /// <summary>The receiver's PR_Received-NPR and PR_Received-CPL counters.</summary>
    public (ulong NonPosted, ulong Completion) PrReceivedCounters => (_prReceivedNonPosted, _prReceivedCompletion);

    public IdeStreamStatistics Statistics { get; } = new();

    /// <summary>Raised when the stream leaves Secure because of a failure (a TDISP device moves its TDI to ERROR on it).</summary>
    public event Action<IdeStream, IdeCheckFailure>? BecameInsecure;

    /// <summary>Raised when the stream needs an IDE Fail message sent (build it with <see cref="WriteFailMessage"/>).</summary>
    public event Action<IdeStream>? FailMessageRequired;

    /// <summary>Raised once per key when a transmit counter reaches <see cref="IdeStreamSettings.KeyRefreshCounterLimit"/>.</summary>
    public event Action<IdeStream, IdeSubstream, IdeKeySet>? KeyRefreshNeeded;

    /// <summary>Raised when the stream enters Secure.</summary>
    public event Action<IdeStream>? BecameSecure;

    /// <summary>Replaces the configuration (the Control register fields sampled at Enable). Only while disabled.</summary>
    public void Configure(IdeStreamSettings settings, byte? streamId = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (_enabled)
        {
            throw new InvalidOperationException($"IDE stream {StreamId}: configuration is read-only while Enable is set");
        }

        _settings = settings.Validate();
        if (streamId is { } id)
        {
            StreamId = id;
        }
    }

    /// <summary>Software sets Enable. The stream becomes Secure once every sub-stream has armed keys in both directions.</summary>
    public void Enable()
    {
        if (_enabled)
        {
            return;
        }

        _enabled = true;
        UpdateState();
    }

    /// <summary>
    /// Software clears Enable (also the first step of recovery after a failure): the stream goes Insecure, keys are
    /// invalidated, counters and the error log reset. No Fail message is sent.
    /// </summary>
    public void Disable()
    {
        _enabled = false;
        _failed = false;
        FirstError = null;
        InvalidateKeys();
        ResetTraffic();
        State = IdeStreamState.Insecure;
    }

    // ---------------------------------------------------------------- key management (IDE_KM entry points)

    /// <summary>
    /// KEY_PROG: loads a 32-byte key and the initial invocation counter (the IFV's counter, 1 at setup and after every
    /// refresh) into one slot. A slot in use (the active transmit set, or an armed receive set while Secure) cannot be
    /// overwritten.
    /// </summary>
    public IdeKeyStatus ProgramKey(IdeSubstream substream, IdeDirection direction, IdeKeySet keySet, ReadOnlySpan<byte> key, ulong initialCounter = 1)
    {
        if (!IsKeyedSubstream(substream) || key.Length != AesGcm256.KeySize || initialCounter == 0)
        {
            return IdeKeyStatus.UnsupportedValue;
        }

        var slot = Slot(substream, direction, keySet);
        if (InUse(substream, direction, keySet))
        {
            return IdeKeyStatus.UnsupportedValue;
        }

        slot.Destroy();
        slot.Cipher = new AesGcm256(key);
        slot.Initial = initialCounter;
        slot.Next = initialCounter;
        slot.Programmed = true;
        return IdeKeyStatus.Success;
    }

    /// <summary>
    /// K_SET_GO: arms a programmed key set. A receiver then accepts it (besides its current set); a transmitter uses it
    /// from its next MAC unit on that sub-stream, counting from the programmed initial counter.
    /// </summary>
    public IdeKeyStatus SetGo(IdeSubstream substream, IdeDirection direction, IdeKeySet keySet)
    {
        if (!IsKeyedSubstream(substream))
        {
            return IdeKeyStatus.UnsupportedValue;
        }

        var slot = Slot(substream, direction, keySet);
        if (!slot.Programmed)
        {
            return IdeKeyStatus.Unspecified;
        }

        slot.Armed = true;
        slot.Next = slot.Initial;
        slot.RefreshRaised = false;
        if (direction == IdeDirection.Transmit)
        {
            _tx[(int)substream].ActiveSet = (int)keySet;
        }

        UpdateState();
        return IdeKeyStatus.Success;
    }

    /// <summary>
    /// K_SET_STOP: destroys a key set. The stream goes Insecure only if the set is used afterwards (a transmitter with no
    /// other set, or a receiver seeing it).
    /// </summary>
    public IdeKeyStatus SetStop(IdeSubstream substream, IdeDirection direction, IdeKeySet keySet)
    {
        if (!IsKeyedSubstream(substream))
        {
            return IdeKeyStatus.UnsupportedValue;
        }

        Slot(substream, direction, keySet).Destroy();
        if (direction == IdeDirection.Receive && _rx[(int)substream].CurrentSet == (int)keySet)
        {
            _rx[(int)substream].CurrentSet = -1;
        }

        return IdeKeyStatus.Success;
    }

    /// <summary>Whether a slot holds a key, and whether it is armed (GO).</summary>
    public (bool Programmed, bool Armed) GetKeyState(IdeSubstream substream, IdeDirection direction, IdeKeySet keySet)
    {
        var slot = Slot(substream, direction, keySet);
        return (slot.Programmed, slot.Armed);
    }

    /// <summary>The next invocation counter a slot will use.</summary>
    public ulong GetNextCounter(IdeSubstream substream, IdeDirection direction, IdeKeySet keySet) => Slot(substream, direction, keySet).Next;

    /// <summary>The key set the transmitter uses for new units on a sub-stream (null if none armed).</summary>
    public IdeKeySet? GetTransmitKeySet(IdeSubstream substream) =>
        _tx[(int)substream].ActiveSet < 0 ? null : (IdeKeySet)_tx[(int)substream].ActiveSet;

    /// <summary>The key set the receiver last verified on a sub-stream (null before the first TLP).</summary>
    public IdeKeySet? GetReceiveKeySet(IdeSubstream substream) =>
        _rx[(int)substream].CurrentSet < 0 ? null : (IdeKeySet)_rx[(int)substream].CurrentSet;

    // ---------------------------------------------------------------- transmit

    /// <summary>
    /// Protects <paramref name="tlp"/> in place: inserts the IDE prefix, encrypts the payload, appends PCRC and MAC when
    /// the TLP closes its unit. <paramref name="nextPayloadBytes"/> is the payload of the next TLP on the same sub-stream
    /// if one is guaranteed to follow within 1 µs (§6.33.6), or -1 to close the unit with this TLP.
    /// </summary>
    /// <param name="tlp">A TLP without IDE prefix and with TD = 0.</param>
    /// <param name="nextPayloadBytes">The next TLP's payload, or -1.</param>
    /// <param name="teeOriginated">The T bit: the request comes from a TDI in RUN (TDISP).</param>
    public IdeSealStatus Seal(Tlp tlp, int nextPayloadBytes = -1, bool teeOriginated = false)
    {
        ArgumentNullException.ThrowIfNull(tlp);
        if (!_enabled)
        {
            return IdeSealStatus.NotEnabled;
        }

        if (tlp.Layout.HasIdePrefix)
        {
            throw new InvalidOperationException("the TLP is already IDE-protected");
        }

        if (!IsAllowed(tlp.Header))
        {
            return IdeSealStatus.NotAllowed;
        }

        if (State != IdeStreamState.Secure)
        {
            Statistics.TlpsDropped++;
            return IdeSealStatus.Dropped;
        }

        var posted = tlp.Header.FlowControlType == FlowControlType.Posted;
        if (posted && (_prSentNonPosted == 255 || _prSentCompletion == 255))
        {
            return IdeSealStatus.SyncRequired;
        }

        return SealCore(tlp, nextPayloadBytes, teeOriginated, isSync: false);
    }

    /// <summary>
    /// Builds and seals the IDE Sync message (posted, ID-routed to the partner, Msg code 54h) into
    /// <paramref name="destination"/>: it counts as a posted TLP, carries both PR_Sent counters and resets them, and
    /// always closes the posted unit.
    /// </summary>
    public IdeSealStatus SealSync(Tlp destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!_enabled)
        {
            return IdeSealStatus.NotEnabled;
        }

        if (State != IdeStreamState.Secure)
        {
            Statistics.TlpsDropped++;
            return IdeSealStatus.Dropped;
        }

        var npr = (byte)Math.Min(255, _prSentNonPosted + 1);
        var cpl = (byte)Math.Min(255, _prSentCompletion + 1);
        var header = TlpHeader.IdeMessage(MessageCode.IdeSync, _settings.RequesterId, _settings.PartnerId, StreamId, npr, cpl, _settings.TrafficClass);
        destination.Encode(header, default);
        return SealCore(destination, -1, teeOriginated: false, isSync: true);
    }

    /// <summary>Builds the IDE Fail message (non-IDE, Msg code 55h, ID-routed to the partner) into <paramref name="destination"/>.</summary>
    public void WriteFailMessage(Tlp destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var header = TlpHeader.IdeMessage(MessageCode.IdeFail, _settings.RequesterId, _settings.PartnerId, StreamId, trafficClass: _settings.TrafficClass);
        destination.Encode(header, default);
    }

    private IdeSealStatus SealCore(Tlp tlp, int nextPayloadBytes, bool teeOriginated, bool isSync)
    {
        if (tlp.Header.Digest)
        {
            return IdeSealStatus.NotAllowed;
        }

        var ss = (int)tlp.Header.FlowControlType;
        var unit = _tx[ss];
        var payloadBytes = tlp.Layout.PayloadBytes;
        if (unit.Count == 0)
        {
            var active = Slot((IdeSubstream)ss, IdeDirection.Transmit, (IdeKeySet)unit.ActiveSet);
            if (active.Next == ulong.MaxValue)
            {
                GoInsecure(IdeCheckFailure.CounterExhausted, tlp);
                Statistics.TlpsDropped++;
                return IdeSealStatus.Dropped;
            }

            unit.KeySet = unit.ActiveSet;
            unit.Counter = active.Next;
            unit.PayloadBytes = 0;
            unit.AadLength = 0;
            unit.CiphertextLength = 0;
            unit.Crc.Reset();
        }
        else if (unit.PayloadBytes + payloadBytes > UnitPayloadLimit)
        {
            throw new InvalidOperationException($"IDE stream {StreamId}: the unit would exceed 1 KiB; the previous nextPayloadBytes hint was wrong");
        }

        var slot = Slot((IdeSubstream)ss, IdeDirection.Transmit, (IdeKeySet)unit.KeySet);
        var aggregation = _settings.Aggregation((IdeSubstream)ss);
        var closing = isSync || nextPayloadBytes < 0 || unit.Count + 1 >= aggregation ||
                      unit.PayloadBytes + payloadBytes + nextPayloadBytes > UnitPayloadLimit;
        var unitPayload = unit.PayloadBytes + payloadBytes;
        var pcrc = _settings.PcrcEnabled && closing && unitPayload > 0;
        var carried = ss switch
        {
            (int)FlowControlType.NonPosted => _prSentNonPosted,
            (int)FlowControlType.Completion => _prSentCompletion,
            _ => 0,
        };

        tlp.InsertIdePrefix(new IdePrefix(StreamId, (byte)ss, (byte)carried, pcrc, closing, (byte)unit.KeySet, teeOriginated));
        tlp.AppendIdeTrailer(pcrc, closing);
        tlp.IdeStreamHint = StreamId;

        Span<byte> nonce = stackalloc byte[AesGcm256.NonceSize];
        WriteNonce(unit.Counter, nonce);
        var cipher = slot.Cipher!;
        var payload = tlp.Payload;
        if (closing && unit.Count == 0)
        {
            // A unit of one TLP: a single-pass seal of payload ‖ PCRC.
            if (pcrc)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(tlp.Pcrc, Pcrc.Compute(payload));
            }

            var p = tlp.PayloadAndPcrc;
            cipher.Seal(nonce, p, p, tlp.Mac, tlp.AdditionalData);
        }
        else
        {
            if (_settings.PcrcEnabled)
            {
                unit.Crc.Append(payload);
            }

            cipher.ApplyKeystream(nonce, unit.PayloadBytes, payload, payload);
            var aad = tlp.AdditionalData;
            if (!closing)
            {
                aad.CopyTo(unit.Aad.AsSpan(unit.AadLength));
                unit.AadLength += aad.Length;
                payload.CopyTo(unit.Ciphertext.AsSpan(unit.CiphertextLength));
                unit.CiphertextLength += payload.Length;
            }
            else
            {
                var gcm = cipher.Begin(nonce);
                gcm.AppendAssociatedData(unit.Aad.AsSpan(0, unit.AadLength));
                gcm.AppendAssociatedData(aad);
                gcm.Authenticate(unit.Ciphertext.AsSpan(0, unit.CiphertextLength));
                gcm.Authenticate(payload);
                if (pcrc)
                {
                    var crc = tlp.Pcrc;
                    unit.Crc.Write(crc);
                    cipher.ApplyKeystream(nonce, unitPayload, crc, crc);
                    gcm.Authenticate(crc);
                }

                gcm.Finish(tlp.Mac);
            }
        }

        unit.Count++;
        unit.PayloadBytes = unitPayload;

        // §6.33.7: posted TLPs count up both PR_Sent counters; an NPR or CPL carries its counter and resets it.
        switch (ss)
        {
            case (int)FlowControlType.Posted when isSync:
                _prSentNonPosted = 0;
                _prSentCompletion = 0;
                Statistics.SyncMessagesSent++;
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

        Statistics.TlpsSealed++;
        Statistics.PayloadBytesSealed += payloadBytes;
        if (closing)
        {
            unit.Count = 0;
            slot.Next = unit.Counter + 1;
            Statistics.UnitsSealed++;
            if (slot.Next >= _settings.KeyRefreshCounterLimit && !slot.RefreshRaised)
            {
                slot.RefreshRaised = true;
                KeyRefreshNeeded?.Invoke(this, (IdeSubstream)ss, (IdeKeySet)unit.KeySet);
            }
        }

        return IdeSealStatus.Sealed;
    }

    // ---------------------------------------------------------------- receive

    /// <summary>
    /// Checks an arriving IDE TLP of this stream. A TLP that closes a unit whose MAC verifies is handed to
    /// <paramref name="sink"/> with the unit's earlier TLPs, in order, still encrypted (or decrypted in place when PCRC
    /// is on); a MAC-less TLP of an open unit is buffered; anything that fails goes to the sink's drop path with the
    /// rest of its unit.
    /// </summary>
    public IdeReceiveStatus Receive<TSink>(Tlp tlp, ref TSink sink)
        where TSink : IIdeReceiveSink, allows ref struct =>
        ReceiveWrite(tlp, ref sink, default);

    /// <summary>
    /// As <see cref="Receive{TSink}"/> — the same checks in the same order, the same statistics and failures — for a write
    /// TLP whose payload goes whole to a private page (<paramref name="store"/>; default: none). When the TLP is a unit of
    /// its own (its MAC, no PCRC) and its payload is the store's size, the MAC is checked in the pass that decrypts and
    /// memory-encrypts the payload into the store (<see cref="FusedCrypto.OpenToEncryptedMemory"/>): nothing is written
    /// unless it verifies, and the segment reaches the sink with <see cref="IdeVerifiedSegment.IsStored"/> set.
    /// </summary>
    public IdeReceiveStatus ReceiveWrite<TSink>(Tlp tlp, ref TSink sink, IdeFusedWrite store)
        where TSink : IIdeReceiveSink, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(tlp);
        if (!tlp.Layout.HasIdePrefix)
        {
            return IdeReceiveStatus.NotIde;
        }

        if (State != IdeStreamState.Secure)
        {
            // Everything after a failure (and anything before keys are armed) is dropped without a new log entry.
            Statistics.TlpsDropped++;
            sink.OnDropped(tlp, IdeCheckFailure.StreamNotSecure);
            return IdeReceiveStatus.Dropped;
        }

        var prefix = tlp.IdePrefix;
        if (prefix.StreamId != StreamId)
        {
            // Not this stream's TLP: a Misrouted IDE TLP is reported but leaves the stream Secure (§6.33.8).
            return Reject(IdeCheckFailure.Misrouted, tlp, null, ref sink);
        }

        if (prefix.IsReservedSubstream)
        {
            return Reject(IdeCheckFailure.ReservedSubstream, tlp, null, ref sink);
        }

        var ss = prefix.Substream;
        var unit = _rx[ss];
        if (ss != (int)tlp.Header.FlowControlType)
        {
            return Reject(IdeCheckFailure.SubstreamMismatch, tlp, unit, ref sink);
        }

        if (!IsAllowed(tlp.Header))
        {
            return Reject(IdeCheckFailure.DisallowedType, tlp, unit, ref sink);
        }

        var k = prefix.KeySet;
        if (unit.Count > 0)
        {
            if (k != unit.KeySet)
            {
                return Reject(IdeCheckFailure.KeyToggledMidUnit, tlp, unit, ref sink);
            }
        }
        else
        {
            if (!Slot((IdeSubstream)ss, IdeDirection.Receive, (IdeKeySet)k).Armed)
            {
                return Reject(IdeCheckFailure.KeySetNotArmed, tlp, unit, ref sink);
            }

            unit.KeySet = k;
        }

        var payloadBytes = tlp.Layout.PayloadBytes;
        var unitPayload = unit.PayloadBytes + payloadBytes;
        if (!prefix.MacPresent)
        {
            if (!_settings.ReceiverSupportsAggregation || unit.Count + 1 >= MaxUnitTlps || unitPayload > UnitPayloadLimit)
            {
                return Reject(IdeCheckFailure.AggregationViolation, tlp, unit, ref sink);
            }
        }
        else if (unit.Count > 0 && unitPayload > UnitPayloadLimit)
        {
            return Reject(IdeCheckFailure.AggregationViolation, tlp, unit, ref sink);
        }

        var counterFailure = ReceiveCounters(tlp, ss);
        if (counterFailure != IdeCheckFailure.None)
        {
            return Reject(counterFailure, tlp, unit, ref sink);
        }

        if (!prefix.MacPresent)
        {
            unit.Tlps[unit.Count++] = tlp;
            unit.PayloadBytes = unitPayload;
            return IdeReceiveStatus.Buffered;
        }

        var slot = Slot((IdeSubstream)ss, IdeDirection.Receive, (IdeKeySet)unit.KeySet);
        var cipher = slot.Cipher!;
        var counter = slot.Next;
        Span<byte> nonce = stackalloc byte[AesGcm256.NonceSize];
        WriteNonce(counter, nonce);

        var pcrcExpected = _settings.PcrcEnabled && unitPayload > 0;

        // A unit of one TLP going whole to the store: every check after the MAC passes (no PCRC expected or present), so the
        // MAC can be checked in the pass that stores it. Otherwise GHASH runs over the ciphertext first: the MAC is checked
        // before any byte is decrypted.
        var fused = store.Key is not null && unit.Count == 0 && !pcrcExpected && !prefix.PcrcPresent &&
                    payloadBytes > 0 && payloadBytes == store.Destination.Length;
        var verified = fused
            ? FusedCrypto.OpenToEncryptedMemory(cipher, nonce, tlp.AdditionalData, tlp.Payload, tlp.Mac, store.Key!, store.PhysicalAddress, store.Destination)
            : VerifyUnit(cipher, nonce, unit, tlp);
        if (!verified)
        {
            Statistics.MacFailures++;
            return Reject(IdeCheckFailure.MacCheckFailed, tlp, unit, ref sink);
        }

        slot.Next = counter + 1;

        // The P bit must match the stream's PCRC setting for a unit with payload (checked after the MAC, which covers it).
        if (prefix.PcrcPresent != pcrcExpected)
        {
            return Reject(pcrcExpected ? IdeCheckFailure.PcrcCheckFailed : IdeCheckFailure.PcrcBitMismatch, tlp, unit, ref sink);
        }

        var plaintext = false;
        if (pcrcExpected)
        {
            // Checking PCRC needs the plaintext: decrypt in place once, so consumers do not decrypt again.
            var crc = new Pcrc();
            long offset = 0;
            for (var i = 0; i < unit.Count; i++)
            {
                var p = unit.Tlps[i]!.Payload;
                cipher.ApplyKeystream(nonce, offset, p, p);
                crc.Append(p);
                offset += p.Length;
            }

            var last = tlp.PayloadAndPcrc;
            cipher.ApplyKeystream(nonce, offset, last, last);
            crc.Append(tlp.Payload);
            plaintext = true;
            if (BinaryPrimitives.ReadUInt32LittleEndian(tlp.Pcrc) != crc.Value)
            {
                Statistics.PcrcFailures++;
                return Reject(IdeCheckFailure.PcrcCheckFailed, tlp, unit, ref sink);
            }
        }

        // The first verified TLP with the new K retires the old receive set (§6.33.4 key refresh).
        if (unit.CurrentSet != unit.KeySet)
        {
            if (unit.CurrentSet >= 0)
            {
                Slot((IdeSubstream)ss, IdeDirection.Receive, (IdeKeySet)unit.CurrentSet).Destroy();
                Statistics.KeySetSwitches++;
            }

            unit.CurrentSet = unit.KeySet;
        }

        Statistics.UnitsVerified++;
        long segmentOffset = 0;
        var count = unit.Count;
        unit.Count = 0;
        unit.PayloadBytes = 0;
        for (var i = 0; i <= count; i++)
        {
            var t = i < count ? unit.Tlps[i]! : tlp;
            if (i < count)
            {
                unit.Tlps[i] = null;
            }

            var length = t.Layout.PayloadBytes;
            Statistics.TlpsVerified++;
            Statistics.PayloadBytesVerified += length;
            if (IsSyncMessage(t))
            {
                // Its counters were applied on arrival; the consumer just releases it.
                Statistics.SyncMessagesReceived++;
            }

            sink.OnVerified(new IdeVerifiedSegment(t, cipher, counter, segmentOffset, plaintext, StreamId, isStored: fused));

            segmentOffset += length;
        }

        return IdeReceiveStatus.Verified;
    }

    /// <summary>GHASH over the unit's associated data and ciphertext (and PCRC), against the closing TLP's MAC.</summary>
    private static bool VerifyUnit(AesGcm256 cipher, ReadOnlySpan<byte> nonce, RxUnit unit, Tlp tlp)
    {
        var gcm = cipher.Begin(nonce);
        for (var i = 0; i < unit.Count; i++)
        {
            gcm.AppendAssociatedData(unit.Tlps[i]!.AdditionalData);
        }

        gcm.AppendAssociatedData(tlp.AdditionalData);
        for (var i = 0; i < unit.Count; i++)
        {
            gcm.Authenticate(unit.Tlps[i]!.Payload);
        }

        gcm.Authenticate(tlp.PayloadAndPcrc);
        return gcm.FinishAndVerify(tlp.Mac);
    }

    /// <summary>
    /// The simple receive path for a TLP that is a whole unit (its own MAC, no open unit on its sub-stream): verifies and
    /// decrypts its payload into <paramref name="plaintext"/> (at least <see cref="TlpLayout.PayloadBytes"/> bytes).
    /// The TLP stays with the caller. A TLP of an aggregated unit needs <see cref="Receive{TSink}"/>.
    /// </summary>
    public IdeReceiveStatus Open(Tlp tlp, Span<byte> plaintext)
    {
        ArgumentNullException.ThrowIfNull(tlp);
        if (tlp.Layout.HasIdePrefix && (!tlp.IdePrefix.MacPresent || (tlp.IdePrefix.Substream < 3 && _rx[tlp.IdePrefix.Substream].Count > 0)))
        {
            throw new InvalidOperationException("Open handles single-TLP units only; use Receive with a sink for aggregated units");
        }

        var sink = new OpenSink(plaintext);
        var status = Receive(tlp, ref sink);
        return status;
    }

    /// <summary>The partner's IDE Fail message arrived: Insecure, keys invalidated, no Fail message back (§6.33.8).</summary>
    public void OnFailMessageReceived()
    {
        ReceivedFailMessage = true;
        if (State == IdeStreamState.Secure || _enabled)
        {
            GoInsecure(IdeCheckFailure.FailMessageReceived, null);
        }
    }

    /// <summary>
    /// Forces the stream Insecure from outside the data path (implementation-specific tamper detection such as a write
    /// to IDE registers or BARs while locked, §6.33.8). Sends a Fail message like any other failure.
    /// </summary>
    public void ForceInsecure(IdeCheckFailure reason) => GoInsecure(reason, null);

    /// <summary>Writes the 12-byte IDE nonce: 00000000h ‖ 64-bit counter, big-endian.</summary>
    public static void WriteNonce(ulong counter, Span<byte> nonce)
    {
        BinaryPrimitives.WriteUInt32BigEndian(nonce, 0);
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], counter);
    }

    /// <summary>
    /// Whether a TLP may travel on a Selective stream (§6.33.4): memory requests, AtomicOps, DMWr and completions;
    /// messages routed by ID, by address or to the root complex; CfgRd1/CfgWr1 only with Config-Req Enable; never IO
    /// or type-0 configuration requests. TD must be 0 (ECRC is forbidden; PCRC replaces it).
    /// </summary>
    public bool IsAllowed(in TlpHeader header)
    {
        if (header.Digest)
        {
            return false;
        }

        return header.Type switch
        {
            TlpType.IoRead or TlpType.IoWrite or TlpType.ConfigRead0 or TlpType.ConfigWrite0 => false,
            TlpType.ConfigRead1 or TlpType.ConfigWrite1 => _settings.ConfigRequestsEnabled,
            TlpType.Message or TlpType.MessageWithData => header.Routing is MessageRouting.ById or MessageRouting.ByAddress or MessageRouting.ToRootComplex,
            _ => true,
        };
    }

    public void Dispose()
    {
        foreach (var s in _slots)
        {
            s.Destroy();
        }
    }

    public override string ToString() => $"IDE stream {StreamId} ({State}{(_enabled ? string.Empty : ", disabled")})";

    // ---------------------------------------------------------------- internals

    private IdeCheckFailure ReceiveCounters(Tlp tlp, int ss)
    {
        switch (ss)
        {
            case (int)FlowControlType.Posted:
                if (_prReceivedNonPosted == ulong.MaxValue || _prReceivedCompletion == ulong.MaxValue)
                {
                    return IdeCheckFailure.CounterOverflow;
                }

                _prReceivedNonPosted++;
                _prReceivedCompletion++;
                if (IsSyncMessage(tlp))
                {
                    // The Sync carries both PR_Sent counters [assumed bytes 12 and 13 of the header].
                    var npr = (byte)(tlp.Header.MessageSpecific >> 24);
                    var cpl = (byte)(tlp.Header.MessageSpecific >> 16);
                    if (npr > _prReceivedNonPosted || cpl > _prReceivedCompletion)
                    {
                        return IdeCheckFailure.CounterUnderflow;
                    }

                    _prReceivedNonPosted -= npr;
                    _prReceivedCompletion -= cpl;
                }

                return IdeCheckFailure.None;

            case (int)FlowControlType.NonPosted:
                if (tlp.IdePrefix.PrSentCounter > _prReceivedNonPosted)
                {
                    return IdeCheckFailure.CounterUnderflow;
                }

                _prReceivedNonPosted -= tlp.IdePrefix.PrSentCounter;
                return IdeCheckFailure.None;

            default:
                if (tlp.IdePrefix.PrSentCounter > _prReceivedCompletion)
                {
                    return IdeCheckFailure.CounterUnderflow;
                }

                _prReceivedCompletion -= tlp.IdePrefix.PrSentCounter;
                return IdeCheckFailure.None;
        }
    }

    private static bool IsSyncMessage(Tlp tlp) =>
        tlp.Header.Type == TlpType.Message && tlp.Header.MessageCode == MessageCode.IdeSync;

    private IdeReceiveStatus Reject<TSink>(IdeCheckFailure reason, Tlp tlp, RxUnit? unit, ref TSink sink)
        where TSink : IIdeReceiveSink, allows ref struct
    {
        Statistics.CheckFailures++;

        // Nothing of a failing unit is committed: its buffered TLPs are dropped with it.
        if (unit is not null)
        {
            for (var i = 0; i < unit.Count; i++)
            {
                Statistics.TlpsDropped++;
                sink.OnDropped(unit.Tlps[i]!, reason);
                unit.Tlps[i] = null;
            }

            unit.Count = 0;
            unit.PayloadBytes = 0;
        }

        Statistics.TlpsDropped++;
        if (IdeErrors.ForcesInsecure(reason))
        {
            GoInsecure(reason, tlp);
        }
        else
        {
            LogFirst(reason, tlp);
        }

        sink.OnDropped(tlp, reason);
        return IdeReceiveStatus.Dropped;
    }

    private void GoInsecure(IdeCheckFailure reason, Tlp? tlp)
    {
        var wasSecure = State == IdeStreamState.Secure;
        _failed = true;
        State = IdeStreamState.Insecure;
        LogFirst(reason, tlp);
        InvalidateKeys();
        DropBufferedUnits();
        if (wasSecure || reason == IdeCheckFailure.FailMessageReceived)
        {
            BecameInsecure?.Invoke(this, reason);
        }

        if (wasSecure && reason is not (IdeCheckFailure.FailMessageReceived or IdeCheckFailure.Disabled))
        {
            FailMessageRequired?.Invoke(this);
        }
    }

    private void LogFirst(IdeCheckFailure reason, Tlp? tlp)
    {
        if (FirstError is not null || IdeErrors.AerBit(reason) < 0)
        {
            return;
        }

        var log = tlp is null ? [] : tlp.Wire[..Math.Min(tlp.Layout.PayloadOffset, tlp.Length)].ToArray();
        FirstError = new IdeErrorRecord(reason, IdeErrors.AerBit(reason), StreamId, log);
    }

    private void DropBufferedUnits()
    {
        foreach (var unit in _rx)
        {
            for (var i = 0; i < unit.Count; i++)
            {
                Statistics.TlpsDropped++;
                unit.Tlps[i]!.Release();
                unit.Tlps[i] = null;
            }

            unit.Count = 0;
            unit.PayloadBytes = 0;
        }
    }

    private void InvalidateKeys()
    {
        foreach (var s in _slots)
        {
            s.Destroy();
        }

        foreach (var t in _tx)
        {
            t.ActiveSet = -1;
            t.Count = 0;
        }

        foreach (var r in _rx)
        {
            r.CurrentSet = -1;
        }
    }

    private void ResetTraffic()
    {
        DropBufferedUnits();
        _prSentNonPosted = 0;
        _prSentCompletion = 0;
        _prReceivedNonPosted = 0;
        _prReceivedCompletion = 0;
        foreach (var t in _tx)
        {
            t.Count = 0;
        }
    }

    private void UpdateState()
    {
        if (!_enabled || _failed)
        {
            State = IdeStreamState.Insecure;
            return;
        }

        for (var ss = 0; ss < 3; ss++)
        {
            var tx = _tx[ss].ActiveSet;
            if (tx < 0 || !Slot((IdeSubstream)ss, IdeDirection.Transmit, (IdeKeySet)tx).Armed)
            {
                return;
            }

            if (!Slot((IdeSubstream)ss, IdeDirection.Receive, IdeKeySet.K0).Armed && !Slot((IdeSubstream)ss, IdeDirection.Receive, IdeKeySet.K1).Armed)
            {
                return;
            }
        }

        if (State != IdeStreamState.Secure)
        {
            // §6.33.7: both PR_Sent counters are 0 on entering Secure, and so are the receiver's.
            _prSentNonPosted = 0;
            _prSentCompletion = 0;
            _prReceivedNonPosted = 0;
            _prReceivedCompletion = 0;
            State = IdeStreamState.Secure;
            BecameSecure?.Invoke(this);
        }
    }

    private bool InUse(IdeSubstream substream, IdeDirection direction, IdeKeySet keySet)
    {
        var slot = Slot(substream, direction, keySet);
        if (!slot.Armed || State != IdeStreamState.Secure)
        {
            return false;
        }

        return direction == IdeDirection.Transmit
            ? _tx[(int)substream].ActiveSet == (int)keySet
            : _rx[(int)substream].CurrentSet == (int)keySet || _rx[(int)substream].CurrentSet < 0;
    }

    private static bool IsKeyedSubstream(IdeSubstream substream) => substream is IdeSubstream.Posted or IdeSubstream.NonPosted or IdeSubstream.Completion;

    private KeySlot Slot(IdeSubstream substream, IdeDirection direction, IdeKeySet keySet) =>
        _slots[((((int)substream * 2) + (int)direction) * 2) + (int)keySet];

    private sealed class KeySlot
    {
        public AesGcm256? Cipher;
        public ulong Initial;
        public ulong Next;
        public bool Programmed;
        public bool Armed;
        public bool RefreshRaised;

        public void Destroy()
        {
            Cipher?.Dispose();
            Cipher = null;
            Programmed = false;
            Armed = false;
            RefreshRaised = false;
        }
    }

    private sealed class TxUnit
    {
        public readonly byte[] Aad = new byte[MaxUnitTlps * AadPerTlp];
        public readonly byte[] Ciphertext = new byte[UnitPayloadLimit];
        public int ActiveSet = -1;
        public int KeySet;
        public int Count;
        public int PayloadBytes;
        public ulong Counter;
        public int AadLength;
        public int CiphertextLength;
        public Pcrc Crc = new();
    }

    private sealed class RxUnit
    {
        public readonly Tlp?[] Tlps = new Tlp?[MaxUnitTlps];
        public int CurrentSet = -1;
        public int KeySet;
        public int Count;
        public int PayloadBytes;
    }

    private readonly ref struct OpenSink(Span<byte> plaintext) : IIdeReceiveSink
    {
        private readonly Span<byte> _plaintext = plaintext;

        public void OnVerified(in IdeVerifiedSegment segment) => segment.Decrypt(_plaintext);

        public void OnDropped(Tlp tlp, IdeCheckFailure reason)
        {
        }
    }
}
