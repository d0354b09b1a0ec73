using System.Text;
using SevTio.Firmware.DeviceSecurityManager;
using SevTio.Protocols.IdeKm;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;

namespace SevTio.Security.Tests.Fuzzing.Stateful.Support;

/// <summary>
/// The device hardware the DSM firmware runs on, as plain state: one TDI's config-space facts, the DSM port's IDE stream
/// registers and its key slots. Like the IDE engine, it reports a stream going Insecure when its keys are invalidated.
/// Its key slots are part of the state the fuzz oracle compares before and after a rejected input.
/// </summary>
internal sealed class FuzzDevice : ITdispDeviceFunction, IIdeKeySlots
{
    public const byte DefaultStream = 1;

    public const byte MaxStreamId = 7;

    public static readonly TdispInterfaceId Tdi = TdispInterfaceId.Create(0x0100);

    private readonly SortedDictionary<(byte Stream, IdeKmSubStream Sub, IdeKmDirection Dir, byte Set), (byte[] Key, ulong Counter, bool Armed)> _slots = [];

    private readonly Dictionary<byte, TdiIdeStreamConfig> _streams = new()
    {
        [DefaultStream] = new TdiIdeStreamConfig(DefaultStream, Enabled: true, IsDefault: true, TrafficClass: 0, Secure: true),
        [2] = new TdiIdeStreamConfig(2, Enabled: true, IsDefault: false, TrafficClass: 1, Secure: true),
    };

    public TdispInterfaceId InterfaceId => Tdi;

    public TdispInterfaceInfo DmaCapabilities => TdispInterfaceInfo.DmaWithoutPasid;

    public byte DeviceAddressWidth => 52;

    public ReadOnlyMemory<byte> DeviceSpecificInfo { get; } = "sevtio-fuzz"u8.ToArray();

    public IReadOnlyList<TdiConfigRange> SecurityRelevantConfigRanges { get; } = [new TdiConfigRange(0x100, 0x10)];

    /// <summary>BAR0 64 KiB with MSI-X table and PBA, BAR2 a non-TEE doorbell page, BAR4 1 MiB prefetchable.</summary>
    public IReadOnlyList<TdiBar> Bars { get; } =
    [
        new TdiBar(0, 0xF000_0000, 0x1_0000, Is64Bit: true),
        new TdiBar(2, 0xF010_0000, 0x1000, IsNonTeeMemory: true),
        new TdiBar(4, 0x40_0000_0000, 0x10_0000, Is64Bit: true, Prefetchable: true),
    ];

    public event Action<TdiDeviceEvent>? DeviceEvent;

    public IReadOnlyList<TdiBar> ReadBars() => Bars;

    public TdiMsixLayout? ReadMsix() => new TdiMsixLayout(0, 0x8000, 32 * 16, 0, 0x9000, 8, 0x801F);

    public TdiIdeStreamConfig? ReadIdeStream(byte streamId) => _streams.TryGetValue(streamId, out var s) ? s : null;

    public int CountDefaultStreams() => _streams.Values.Count(s => s.IsDefault);

    public TdiConfigurationIssues ReadConfigurationIssues() => TdiConfigurationIssues.None;

    public void Raise(TdiDeviceEvent e) => DeviceEvent?.Invoke(e);

    public IdeKmKpAckStatus ProgramKey(byte streamId, IdeKmSubStream subStream, IdeKmDirection direction, byte keySet, ReadOnlySpan<byte> key, ulong initialCounter)
    {
        if (streamId > MaxStreamId || key.Length != 32)
        {
            return IdeKmKpAckStatus.UnsupportedValue;
        }

        var armed = _slots.TryGetValue((streamId, subStream, direction, keySet), out var slot) && slot.Armed;
        _slots[(streamId, subStream, direction, keySet)] = (key.ToArray(), initialCounter, armed);
        return IdeKmKpAckStatus.Success;
    }

    public bool Go(byte streamId, IdeKmSubStream subStream, IdeKmDirection direction, byte keySet)
    {
        if (!_slots.TryGetValue((streamId, subStream, direction, keySet), out var slot))
        {
            return false;
        }

        _slots[(streamId, subStream, direction, keySet)] = slot with { Armed = true };
        return true;
    }

    public bool Stop(byte streamId, IdeKmSubStream subStream, IdeKmDirection direction, byte keySet) =>
        _slots.Remove((streamId, subStream, direction, keySet));

    public void InvalidateStream(byte streamId)
    {
        foreach (var slot in _slots.Keys.Where(k => k.Stream == streamId).ToList())
        {
            _slots.Remove(slot);
        }

        if (_streams.TryGetValue(streamId, out var s) && s.Secure)
        {
            _streams[streamId] = s with { Secure = false };
            Raise(TdiDeviceEvent.IdeStreamInsecure(streamId));
        }
    }

    /// <summary>Marks every stream Secure again (after a fixture re-keys a stream the firmware invalidated).</summary>
    public void ResecureStreams()
    {
        foreach (var id in _streams.Keys.ToList())
        {
            _streams[id] = _streams[id] with { Secure = true };
        }
    }

    /// <summary>Whether every sub-stream of <paramref name="streamId"/> has a programmed, armed key in both directions.</summary>
    public bool IsKeyed(byte streamId) =>
        _slots.Count(s => s.Key.Stream == streamId && s.Value.Armed && s.Key.Sub <= IdeKmSubStream.Completion) >= 6
        && Enumerable.Range(0, 3).All(sub => Enum.GetValues<IdeKmDirection>().All(dir =>
            _slots.Any(s => s.Key.Stream == streamId && s.Key.Sub == (IdeKmSubStream)sub && s.Key.Dir == dir && s.Value.Armed)));

    /// <summary>The key slots as text, for the before/after comparison.</summary>
    public string DescribeSlots()
    {
        var text = new StringBuilder();
        foreach (var (k, v) in _slots)
        {
            text.Append($"{k.Stream}/{k.Sub}/{k.Dir}/K{k.Set}={Convert.ToHexString(v.Key)[..8]}:{v.Counter}:{(v.Armed ? "GO" : "-")}; ");
        }

        foreach (var (id, s) in _streams)
        {
            text.Append($"stream{id}={(s.Secure ? "secure" : "insecure")}; ");
        }

        return text.ToString();
    }
}
