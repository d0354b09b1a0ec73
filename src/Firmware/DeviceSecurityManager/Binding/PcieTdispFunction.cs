using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;

namespace SevTio.Firmware.DeviceSecurityManager.Binding;

/// <summary>
/// One TDI's hardware as the TDISP responder sees it, read live from the function's <see cref="ConfigSpace"/> (BARs,
/// Command) and the DSM port's <see cref="IdePort"/> (Selective stream Control/Status): every configuration write and
/// every stream that goes Insecure is reported as a <see cref="TdiDeviceEvent"/>, so a write to a BAR, MSE or BME, or
/// to the IDE capability, while the TDI is CONFIG_LOCKED or RUN moves it to ERROR (PCIe §11.2.6).
/// </summary>
public sealed class PcieTdispFunction : ITdispDeviceFunction
{
    private readonly ConfigSpace _config;
    private readonly IdePort _ide;
    private readonly PcieTdispFunctionOptions _options;
    private readonly List<TdiConfigRange> _ranges;

    public PcieTdispFunction(ConfigSpace config, IdePort dsmPort, PcieTdispFunctionOptions options)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(dsmPort);
        ArgumentNullException.ThrowIfNull(options);
        _config = config;
        _ide = dsmPort;
        _options = options;
        InterfaceId = options.InterfaceId;
        _ranges = [.. options.ExtraSecurityRelevantRanges];
        var ideCap = config.FindExtendedCapability(IdeCapability.ExtendedCapabilityId);
        if (ideCap >= 0)
        {
            // Rewriting the IDE registers of a bound stream is tamper (§6.33.8 "writes to IDE registers").
            _ranges.Add(new TdiConfigRange(ideCap, dsmPort.Capability.Size));
        }

        config.Written += OnConfigWritten;
        dsmPort.StreamBecameInsecure += (stream, _) => DeviceEvent?.Invoke(TdiDeviceEvent.IdeStreamInsecure(stream.StreamId));
    }

    public TdispInterfaceId InterfaceId { get; }

    public TdispInterfaceInfo DmaCapabilities => _options.DmaCapabilities;

    public byte DeviceAddressWidth => _options.DeviceAddressWidth;

    public ReadOnlyMemory<byte> DeviceSpecificInfo => _options.DeviceSpecificInfo;

    public IReadOnlyList<TdiConfigRange> SecurityRelevantConfigRanges => _ranges;

    public event Action<TdiDeviceEvent>? DeviceEvent;

    public IReadOnlyList<TdiBar> ReadBars()
    {
        var bars = new List<TdiBar>(ConfigSpace.BarCount);
        for (var i = 0; i < ConfigSpace.BarCount; i++)
        {
            var kind = _config.GetBarKind(i);
            if (kind == BarKind.None)
            {
                continue;
            }

            var prefetchable = (_config.Read(0x10 + (4 * i)) & 0x8) != 0;
            bars.Add(new TdiBar(i, _config.GetBarAddress(i), _config.GetBarSize(i), kind == BarKind.Memory64, prefetchable, _options.NonTeeBars.Contains(i)));
            if (kind == BarKind.Memory64)
            {
                i++;
            }
        }

        return bars;
    }

    public TdiMsixLayout? ReadMsix() => _options.Msix?.Invoke();

    public TdiIdeStreamConfig? ReadIdeStream(byte streamId)
    {
        var cap = _ide.Capability;
        for (var i = 0; i < _ide.Streams.Count; i++)
        {
            var control = cap.StreamControl(i);
            if (cap.ConfiguredStreamId(i) != streamId || (control.StoredValue == 0 && streamId == 0))
            {
                continue;
            }

            return new TdiIdeStreamConfig(
                streamId,
                control["EN"].IsSet,
                control["DEF"].IsSet,
                (byte)control["TC"].Value,
                _ide.Streams[i].State == IdeStreamState.Secure);
        }

        return null;
    }

    public int CountDefaultStreams()
    {
        var count = 0;
        for (var i = 0; i < _ide.Streams.Count; i++)
        {
            if (_ide.Capability.StreamControl(i)["DEF"].IsSet)
            {
                count++;
            }
        }

        return count;
    }

    public TdiConfigurationIssues ReadConfigurationIssues() => _options.ConfigurationIssues?.Invoke() ?? TdiConfigurationIssues.None;

    /// <summary>The hardware reports a Function Level Reset of this function (a PF FLR reaches its VF TDIs too).</summary>
    public void RaiseFunctionLevelReset() => DeviceEvent?.Invoke(TdiDeviceEvent.FunctionLevelReset());

    private void OnConfigWritten(ConfigWrite write)
    {
        if (write.ByteEnables == 0)
        {
            return;
        }

        // A configuration write carries First DW BE; the event names the bytes written (1, 2 or 4 of them).
        var first = System.Numerics.BitOperations.TrailingZeroCount(write.ByteEnables & 0xF);
        var last = 31 - System.Numerics.BitOperations.LeadingZeroCount((uint)(write.ByteEnables & 0xF));
        var length = last - first + 1;
        var shift = 8 * first;
        var mask = length == 4 ? uint.MaxValue : (1u << (8 * length)) - 1;
        DeviceEvent?.Invoke(TdiDeviceEvent.ConfigWrite(write.Offset + first, length, (write.OldValue >> shift) & mask, (write.NewValue >> shift) & mask));
    }
}
