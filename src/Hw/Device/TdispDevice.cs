using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;
using SevTio.Hw.Registers;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Device;

/// <summary>
/// The model's TDISP-capable endpoint (one function, one TDI): configuration space with the PCI Express capability
/// (Device Capabilities TEE-IO bit 30), the MSI-X capability and the IDE extended capability; BAR 0 with the DMA
/// engine's registers; BAR 2 with the MSI-X table (offset 0) and PBA (offset 0x8000); device memory; the device-side
/// <see cref="IdePort"/>; the <see cref="DmaEngine"/>; and the TDI enforcement (<see cref="TdiGate"/>).
/// </summary>
/// <remarks>
/// <para>Other parts add to <see cref="Config"/> (the DOE mailbox capability of the PSP/host work), and a TDISP
/// responder adapts to the facts exposed here: <see cref="Config"/> (BARs, <see cref="ConfigWritten"/>),
/// <see cref="MsixCapability"/> and <see cref="MsixTableBar"/>/<see cref="MsixPbaOffset"/>, <see cref="Ide"/>
/// (IDE registers and key slots), <see cref="FunctionLevelReset"/>. It drives enforcement through
/// <see cref="TdiGate.Tdi"/>.</para>
/// <para>MMIO arrives as direct calls (<see cref="MmioRead"/>/<see cref="MmioWrite"/>) with the request's T bit and
/// stream; TEE MMIO ranges answer only T=1 requests of a RUN TDI on its bound stream.</para>
/// </remarks>
public sealed class TdispDevice : IDisposable
{
    public const int RegisterBar = 0;
    public const int MsixBar = 2;
    public const ulong RegisterBarBytes = 0x1000;
    public const ulong MsixBarBytes = 0x1_0000;
    public const uint MsixTableOffset = 0;
    public const uint MsixPbaOffset = 0x8000;

    private readonly Scheduler _scheduler;
    private byte? _transmitStream;

    public TdispDevice(Scheduler scheduler, DeviceSettings? settings = null, ITdiEnforcement? tdi = null, RegisterAccessLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        _scheduler = scheduler;
        Settings = (settings ?? new DeviceSettings()).Validate();
        RequesterId = Settings.RequesterId;
        Memory = new DeviceMemory(Settings.MemoryBytes);
        Gate = new TdiGate(tdi ?? new TdiEnforcementState());

        Config = new ConfigSpace(Settings.VendorId, Settings.DeviceId, Settings.ClassCode, log: log);
        Config.DefineMemoryBar(RegisterBar, RegisterBarBytes, is64Bit: true, prefetchable: false);
        Config.DefineMemoryBar(MsixBar, MsixBarBytes, is64Bit: true, prefetchable: false);
        Pcie = new PcieCapability(Settings.TeeIoSupported, maxLinkSpeed: 5, maxLinkWidth: 16);
        Pcie.DeviceControl["IFLR"].Written = (_, _, now) =>
        {
            if (now != 0)
            {
                OnFunctionLevelReset();
            }
        };
        Config.AddCapability(PcieCapability.CapabilityId, Pcie);
        MsixCapability = new MsixCapability(Settings.MsixVectors, MsixBar, MsixTableOffset, MsixBar, MsixPbaOffset);
        Config.AddCapability(MsixCapability.CapabilityId, MsixCapability);
        MsixTable = new MsixTable(MsixCapability, Settings.MsixVectors);
        MsixTable.MaskChanged += OnMsixMaskChanged;
        MsixCapability.MessageControl["FM"].Written = (_, _, _) => SendPendingMessages();

        Ide = new IdePort("device", Settings.IdeStreams, addressBlocks: 1, settings: Settings.IdeSettings with { RequesterId = RequesterId });
        IdeCapabilityOffset = Config.AddExtendedCapability(IdeCapability.ExtendedCapabilityId, IdeCapability.CapabilityVersion, Ide.Capability);
        Config.Written += OnConfigWritten;

        Dma = new DmaEngine(scheduler, this, Settings.ReadTags);
    }

    public DeviceSettings Settings { get; }

    public ushort RequesterId { get; }

    public ConfigSpace Config { get; }

    public PcieCapability Pcie { get; }

    public MsixCapability MsixCapability { get; }

    public MsixTable MsixTable { get; }

    /// <summary>Where the IDE extended capability sits in configuration space.</summary>
    public int IdeCapabilityOffset { get; }

    /// <summary>The device's IDE function (upstream port): streams, key slots, the 0x30 capability.</summary>
    public IdePort Ide { get; }

    public TdiGate Gate { get; }

    public DmaEngine Dma { get; }

    public DeviceMemory Memory { get; }

    /// <summary>Every configuration write, after it took effect (a TDISP responder moves a locked TDI to ERROR on the relevant ones).</summary>
    public event Action<ConfigWrite>? ConfigWritten;

    /// <summary>Raised when software sets Initiate Function Level Reset.</summary>
    public event Action? FunctionLevelReset;

    /// <summary>Raised for every MSI-X message the device sends (vector, address, data), before it is on the link.</summary>
    public event Action<int, ulong, uint>? MsixSent;

    /// <summary>The device's memory BARs as programmed now: the DMA registers (TEE memory) and the MSI-X table/PBA.</summary>
    public IReadOnlyList<DeviceBar> ReadBars() =>
    [
        new DeviceBar(RegisterBar, Config.GetBarAddress(RegisterBar), Config.GetBarSize(RegisterBar), Is64Bit: true, Prefetchable: false, IsNonTeeMemory: false),
        new DeviceBar(MsixBar, Config.GetBarAddress(MsixBar), Config.GetBarSize(MsixBar), Is64Bit: true, Prefetchable: false, IsNonTeeMemory: false),
    ];

    /// <summary>The MSI-X table and PBA placement and Message Control.</summary>
    public MsixLayout Msix => new(MsixBar, MsixTableOffset, (ulong)MsixTable.Table.Size, MsixBar, MsixPbaOffset, (ulong)MsixTable.Pba.Size, MsixCapability.MessageControlValue);

    /// <summary>
    /// Configuration ranges besides the header's BARs and Command whose writes change the TDI's security: the MSI-X
    /// capability (table placement, enable), the PCI Express capability's Device Control (MPS, MRRS, FLR) and the IDE
    /// capability.
    /// </summary>
    public IReadOnlyList<(int Offset, int Length)> SecurityRelevantConfigRanges =>
    [
        (Config.FindCapability(MsixCapability.CapabilityId), MsixCapability.Size),
        (Config.FindCapability(PcieCapability.CapabilityId) + 8, 4),
        (IdeCapabilityOffset, Ide.Capability.Size),
    ];

    /// <summary>The Selective IDE stream this function's requests travel on (the enabled Default stream), or null.</summary>
    public byte? TransmitStreamId => _transmitStream;

    /// <summary>BME and the TDI enforcement: may a request be issued now?</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public DmaGrant AuthorizeRequest(bool nonTee)
    {
        if (!Config.BusMasterEnabled)
        {
            return DmaGrant.Refused(TdiRefusal.BusMasterDisabled);
        }

        return Gate.CheckDmaRequest(nonTee, _transmitStream);
    }

    /// <summary>Re-reads which stream carries requests (after IDE registers change).</summary>
    public void RefreshTransmitStream()
    {
        _transmitStream = null;
        for (var i = 0; i < Ide.Streams.Count; i++)
        {
            var stream = Ide.Streams[i];
            if (stream.IsEnabled && Ide.Capability.StreamControl(i)["DEF"].IsSet)
            {
                _transmitStream = stream.StreamId;
                return;
            }
        }
    }

    /// <summary>The BAR a system address falls in (with Memory Space Enable set), and the offset in it; -1 if none.</summary>
    public int DecodeBar(ulong address, out ulong offset)
    {
        offset = 0;
        if (!Config.MemorySpaceEnabled)
        {
            return -1;
        }

        foreach (var bar in (ReadOnlySpan<int>)[RegisterBar, MsixBar])
        {
            var baseAddress = Config.GetBarAddress(bar);
            var size = Config.GetBarSize(bar);
            if (baseAddress != 0 && address >= baseAddress && address - baseAddress < size)
            {
                offset = address - baseAddress;
                return bar;
            }
        }

        return -1;
    }

    /// <summary>
    /// A 32-bit MMIO read at system address <paramref name="address"/> by a request with T = <paramref name="teeOriginated"/>
    /// on <paramref name="streamId"/>. Returns the completion status the device answers with (UR for no BAR, or a
    /// refused TEE range).
    /// </summary>
    public CompletionStatus MmioRead(ulong address, bool teeOriginated, byte? streamId, out uint value)
    {
        value = uint.MaxValue;
        var block = Route(address, teeOriginated, streamId, out var offset);
        if (block is null)
        {
            return CompletionStatus.UnsupportedRequest;
        }

        value = block.Read(offset);
        return CompletionStatus.SuccessfulCompletion;
    }

    /// <summary>A 32-bit MMIO write (posted); false when the device dropped it (no BAR, or a refused TEE range).</summary>
    public bool MmioWrite(ulong address, uint value, bool teeOriginated, byte? streamId, int byteEnables = 0xF)
    {
        var block = Route(address, teeOriginated, streamId, out var offset);
        if (block is null)
        {
            return false;
        }

        block.Write(offset, value, byteEnables);
        return true;
    }

    /// <summary>Driver convenience: an MMIO write to a register of BAR <paramref name="bar"/> at its programmed address.</summary>
    public bool MmioWrite(int bar, int offset, uint value, bool teeOriginated, byte? streamId) =>
        MmioWrite(Config.GetBarAddress(bar) + (ulong)offset, value, teeOriginated, streamId);

    /// <summary>Driver convenience: an MMIO read of a register of BAR <paramref name="bar"/>.</summary>
    public uint MmioRead(int bar, int offset, bool teeOriginated, byte? streamId)
    {
        MmioRead(Config.GetBarAddress(bar) + (ulong)offset, teeOriginated, streamId, out var value);
        return value;
    }

    /// <summary>Sends MSI-X <paramref name="vector"/> as the TDI state allows (or marks it pending while masked).</summary>
    public void SignalMsix(int vector)
    {
        if (!MsixCapability.Enabled || (uint)vector >= (uint)MsixTable.Vectors)
        {
            return;
        }

        if (MsixTable.IsMasked(vector))
        {
            MsixTable.SetPending(vector, true);
            return;
        }

        var grant = Gate.CheckMsix(_transmitStream);
        if (!grant.Allowed)
        {
            return;
        }

        MsixTable.SetPending(vector, false);
        var address = MsixTable.Address(vector);
        var data = MsixTable.Data(vector);
        Dma.Statistics.InterruptsSent++;
        MsixSent?.Invoke(vector, address, data);
        Dma.Transport.PostMessage(address, data, grant);
    }

    public void Dispose() => Ide.Dispose();

    private RegisterBlock? Route(ulong address, bool teeOriginated, byte? streamId, out int offset)
    {
        offset = 0;
        var bar = DecodeBar(address, out var barOffset);
        if (bar < 0 || Gate.CheckMmio(bar, barOffset, teeOriginated, streamId) != TdiRefusal.None || (barOffset & 3) != 0)
        {
            return null;
        }

        if (bar == RegisterBar)
        {
            offset = (int)barOffset;
            return barOffset < (ulong)Dma.Registers.Size ? Dma.Registers : null;
        }

        if (barOffset >= MsixTableOffset && barOffset - MsixTableOffset < (ulong)MsixTable.Table.Size)
        {
            offset = (int)(barOffset - MsixTableOffset);
            return MsixTable.Table;
        }

        if (barOffset >= MsixPbaOffset && barOffset - MsixPbaOffset < (ulong)MsixTable.Pba.Size)
        {
            offset = (int)(barOffset - MsixPbaOffset);
            return MsixTable.Pba;
        }

        return null;
    }

    private void OnConfigWritten(ConfigWrite write)
    {
        if (write.Region == ConfigRegion.ExtendedCapability && write.CapabilityId == IdeCapability.ExtendedCapabilityId)
        {
            RefreshTransmitStream();
        }

        ConfigWritten?.Invoke(write);
    }

    private void OnFunctionLevelReset()
    {
        Pcie.DeviceControl["IFLR"].IsSet = false;
        Dma.Reset();
        for (var v = 0; v < MsixTable.Vectors; v++)
        {
            MsixTable.SetPending(v, false);
        }

        FunctionLevelReset?.Invoke();
    }

    private void OnMsixMaskChanged(int vector)
    {
        if (MsixTable.IsPending(vector) && !MsixTable.IsMasked(vector))
        {
            SignalMsix(vector);
        }
    }

    private void SendPendingMessages()
    {
        for (var v = 0; v < MsixTable.Vectors; v++)
        {
            OnMsixMaskChanged(v);
        }
    }

    internal Scheduler Scheduler => _scheduler;
}
