using SevTio.Firmware.DeviceSecurityManager;
using SevTio.Protocols.IdeKm;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;

namespace SevTio.Firmware.Tests.Support;

/// <summary>
/// A plain fake of the device hardware: one TDI's config space facts, the DSM port's IDE stream registers and key
/// slots. Like the real IDE engine it reports a stream going Insecure when its keys are invalidated.
/// </summary>
internal sealed class FakeTdispDevice : ITdispDeviceFunction, IIdeKeySlots
{
    public const byte DefaultStream = 1;

    public static readonly TdispInterfaceId Tdi = TdispInterfaceId.Create(0x0100);

    public TdispInterfaceId InterfaceId { get; set; } = Tdi;

    public TdispInterfaceInfo DmaCapabilities { get; set; } = TdispInterfaceInfo.DmaWithoutPasid;

    public byte DeviceAddressWidth { get; set; } = 52;

    public ReadOnlyMemory<byte> DeviceSpecificInfo { get; set; } = "sevtio-dev"u8.ToArray();

    public List<TdiConfigRange> ExtraRanges { get; } = [new TdiConfigRange(0x100, 0x10)];

    public IReadOnlyList<TdiConfigRange> SecurityRelevantConfigRanges => ExtraRanges;

    /// <summary>BAR0: 64 KiB 64-bit at 0xF000_0000 with the MSI-X table at 0x8000 and PBA at 0x9000; BAR2: 4 KiB
    /// non-TEE doorbell at 0xF010_0000; BAR4: 1 MiB 64-bit prefetchable at 0x40_0000_0000.</summary>
    public List<TdiBar> Bars { get; } =
    [
        new TdiBar(0, 0xF000_0000, 0x1_0000, Is64Bit: true),
        new TdiBar(2, 0xF010_0000, 0x1000, IsNonTeeMemory: true),
        new TdiBar(4, 0x40_0000_0000, 0x10_0000, Is64Bit: true, Prefetchable: true),
    ];

    public TdiMsixLayout? Msix { get; set; } = new TdiMsixLayout(0, 0x8000, 32 * 16, 0, 0x9000, 8, 0x801F);

    public Dictionary<byte, TdiIdeStreamConfig> Streams { get; } = new()
    {
        [DefaultStream] = new TdiIdeStreamConfig(DefaultStream, Enabled: true, IsDefault: true, TrafficClass: 0, Secure: true),
        [2] = new TdiIdeStreamConfig(2, Enabled: true, IsDefault: false, TrafficClass: 1, Secure: true),
    };

    public TdiConfigurationIssues Issues { get; set; }

    public Dictionary<(byte Stream, IdeKmSubStream Sub, IdeKmDirection Dir, byte Set), (byte[] Key, ulong Counter)> Slots { get; } = [];

    public HashSet<(byte Stream, IdeKmSubStream Sub, IdeKmDirection Dir, byte Set)> Armed { get; } = [];

    public List<byte> InvalidatedStreams { get; } = [];

    public byte MaxStreamId { get; set; } = 7;

    public event Action<TdiDeviceEvent>? DeviceEvent;

    public IReadOnlyList<TdiBar> ReadBars() => Bars;

    public TdiMsixLayout? ReadMsix() => Msix;

    public TdiIdeStreamConfig? ReadIdeStream(byte streamId) => Streams.TryGetValue(streamId, out var s) ? s : null;

    public int CountDefaultStreams() => Streams.Values.Count(s => s.IsDefault);

    public TdiConfigurationIssues ReadConfigurationIssues() => Issues;

    public void Raise(TdiDeviceEvent e) => DeviceEvent?.Invoke(e);

    public IdeKmKpAckStatus ProgramKey(byte streamId, IdeKmSubStream subStream, IdeKmDirection direction, byte keySet, ReadOnlySpan<byte> key, ulong initialCounter)
    {
        if (streamId > MaxStreamId)
        {
            return IdeKmKpAckStatus.UnsupportedValue;
        }

        Slots[(streamId, subStream, direction, keySet)] = (key.ToArray(), initialCounter);
        return IdeKmKpAckStatus.Success;
    }

    public bool Go(byte streamId, IdeKmSubStream subStream, IdeKmDirection direction, byte keySet) =>
        Slots.ContainsKey((streamId, subStream, direction, keySet)) && Armed.Add((streamId, subStream, direction, keySet)) | true;

    public bool Stop(byte streamId, IdeKmSubStream subStream, IdeKmDirection direction, byte keySet)
    {
        Armed.Remove((streamId, subStream, direction, keySet));
        return Slots.Remove((streamId, subStream, direction, keySet));
    }

    public void InvalidateStream(byte streamId)
    {
        InvalidatedStreams.Add(streamId);
        foreach (var slot in Slots.Keys.Where(k => k.Stream == streamId).ToList())
        {
            Slots.Remove(slot);
            Armed.Remove(slot);
        }

        if (Streams.TryGetValue(streamId, out var s) && s.Secure)
        {
            Streams[streamId] = s with { Secure = false };
            Raise(TdiDeviceEvent.IdeStreamInsecure(streamId));
        }
    }

    /// <summary>A copy of an IDE capability from offset 04h: Selective IDE, 2 streams, 0 address blocks each.</summary>
    public static byte[] IdeCapability()
    {
        var cap = new byte[4 + 4 + 20 + 20];
        cap[0] = 0x42;
        cap[2] = 0x01;
        return cap;
    }
}
