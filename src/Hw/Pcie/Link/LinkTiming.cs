using System.Numerics;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Pcie;

/// <summary>
/// The link equations, shared by the packet-level link (<see cref="PcieLink"/>, one event per TLP) and the burst-level
/// model (one event per burst), so both fidelity levels compute time from the same code.
/// </summary>
/// <remarks>
/// <para>Non-Flit Mode follows the pcie-bench model (Neugebauer et al., SIGCOMM 2018): the raw rate is
/// GT/s × lanes × encoding (8b/10b at gen 1-2, 128b/130b at gen 3-5); the rate left for TLPs removes, as fractions of
/// the raw rate, one 8-byte Ack DLLP and one 8-byte UpdateFC DLLP per their spec-recommended intervals
/// (<see cref="DllpSchedule"/>) and a 4-byte SKP ordered set per 1538 bytes; each TLP then costs 8 bytes of framing
/// (STP/sequence number/LCRC) plus its own bytes. Like pcie-bench, DLLP and SKP charges apply to both directions.</para>
/// <para>Flit Mode (gen 6, or gen 1-5 with <see cref="LinkParameters.FlitMode"/>): 256-byte flits carry 236 bytes of
/// TLP (the rest is DLP, CRC and FEC), TLPs carry no per-TLP framing, and Ack/Nak/FC ride in the DLP bytes, so no
/// DLLP charge applies; no SKP charge is applied either. Flit-Mode TLP sizes are taken as their Non-Flit sizes (the
/// common header bases match: 4 DW for 64-bit memory requests, 3 DW for completions; OHC-C replaces the IDE prefix
/// byte for byte).</para>
/// <para>All times are exact: the time per TLP-layer byte is a reduced fraction of picoseconds (<see cref="ByteTime"/>).</para>
/// </remarks>
public sealed class LinkTiming
{
    /// <summary>Per-TLP framing in Non-Flit Mode: STP token 4 + LCRC 4 at 128b/130b (STP 1 + seq 2 + LCRC 4 + END 1 at 8b/10b).</summary>
    public const int NonFlitFramingBytes = 8;

    public const int FlitBytes = 256;

    public const int FlitTlpBytes = 236;

    /// <summary>A 64-bit memory request: 4-DW header (pcie-bench's 24 bytes per MWr/MRd with framing).</summary>
    public const int MemoryRequest64HeaderBytes = 16;

    public const int MemoryRequest32HeaderBytes = 12;

    public const int CompletionHeaderBytes = 12;

    public LinkTiming(LinkParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters.Validate();
        var p = Parameters;
        var (megaTransfers, encNum, encDen) = p.Generation switch
        {
            PcieGeneration.Gen1 => (2_500L, 8L, 10L),
            PcieGeneration.Gen2 => (5_000L, 8L, 10L),
            PcieGeneration.Gen3 => (8_000L, 128L, 130L),
            PcieGeneration.Gen4 => (16_000L, 128L, 130L),
            PcieGeneration.Gen5 => (32_000L, 128L, 130L),
            _ => (64_000L, 1L, 1L),
        };

        // ps per raw byte = 8e12 / (MT/s × 1e6 × enc × lanes) = 8e6 × encDen / (MT × encNum × lanes).
        var rawNum = new BigInteger(8_000_000) * encDen;
        var rawDen = new BigInteger(megaTransfers) * encNum * p.Width;
        RawByteTime = new ExactRate(rawNum, rawDen);
        RawBytesPerSecond = RawByteTime.BytesPerSecond;

        if (p.IsFlitMode)
        {
            FramingBytes = 0;
            AckIntervalBytes = 0;
            UpdateFcIntervalBytes = 0;
            TlpLayerFraction = FlitTlpBytes / (double)FlitBytes;
            ByteTime = new ExactRate(rawNum * FlitBytes, rawDen * FlitTlpBytes);
        }
        else
        {
            FramingBytes = NonFlitFramingBytes;
            AckIntervalBytes = DllpSchedule.AckInterval(p.Generation, p.Width, p.MaxPayloadSize);
            UpdateFcIntervalBytes = DllpSchedule.UpdateFcInterval(p.Generation, p.Width, p.MaxPayloadSize);

            // 1 - o with o = 8/ack + 8/fc + 4/1538, as one fraction (D - N) / D.
            BigInteger ack = AckIntervalBytes, fc = UpdateFcIntervalBytes, skp = DllpSchedule.SkpIntervalBytes;
            var d = ack * fc * skp;
            var n = (DllpSchedule.DllpBytes * fc * skp) + (DllpSchedule.DllpBytes * ack * skp) + (DllpSchedule.SkpBytes * ack * fc);
            TlpLayerFraction = (double)(d - n) / (double)d;
            ByteTime = new ExactRate(rawNum * d, rawDen * (d - n));
        }

        TlpBytesPerSecond = ByteTime.BytesPerSecond;
    }

    public LinkParameters Parameters { get; }

    /// <summary>Picoseconds per byte of TLP-layer traffic (framing included), after DLLP/SKP or flit overheads.</summary>
    public ExactRate ByteTime { get; }

    /// <summary>Picoseconds per raw byte on the lanes (after line encoding only).</summary>
    public ExactRate RawByteTime { get; }

    /// <summary>GT/s × lanes × encoding / 8.</summary>
    public double RawBytesPerSecond { get; }

    /// <summary>Bytes per second left for TLPs and their framing (pcie-bench's <c>TLP_bw</c>).</summary>
    public double TlpBytesPerSecond { get; }

    /// <summary>The share of the raw rate left for TLPs.</summary>
    public double TlpLayerFraction { get; }

    /// <summary>Per-TLP framing bytes (8 in Non-Flit Mode, 0 in Flit Mode).</summary>
    public int FramingBytes { get; }

    /// <summary>Bytes per Ack DLLP (0 in Flit Mode).</summary>
    public int AckIntervalBytes { get; }

    /// <summary>Bytes per UpdateFC DLLP (0 in Flit Mode).</summary>
    public int UpdateFcIntervalBytes { get; }

    /// <summary>Link bytes a TLP of <paramref name="tlpBytes"/> (prefixes, header, payload, trailers) occupies.</summary>
    public long WireBytes(int tlpBytes) => tlpBytes + FramingBytes;

    /// <summary>Time to serialise <paramref name="wireBytes"/> from a standing start (rounded down to a picosecond).</summary>
    public SimTime TimeForWireBytes(long wireBytes) => ByteTime.TimeFor(wireBytes);

    /// <summary>Time to serialise one TLP of <paramref name="tlpBytes"/> bytes, framing included.</summary>
    public SimTime SerializationTime(int tlpBytes) => ByteTime.TimeFor(WireBytes(tlpBytes));

    /// <summary>Header bytes of a memory request at <paramref name="address"/> (3 DW below 4 GiB, else 4 DW).</summary>
    public static int MemoryRequestHeaderBytesFor(ulong address) => address > uint.MaxValue ? MemoryRequest64HeaderBytes : MemoryRequest32HeaderBytes;

    /// <summary>
    /// Bytes on the wire for a DMA write of <paramref name="size"/> bytes at <paramref name="address"/>: split by MPS and
    /// 4 KiB, each TLP paying framing and header, plus IDE prefix per TLP and a MAC (and PCRC) per unit. Units close at
    /// the transfer's end (as the IDE transmitter closes them when no further TLP is known to follow).
    /// </summary>
    public TransferCost WriteCost(ulong address, long size, IdeLinkOverhead ide = default)
    {
        var header = MemoryRequestHeaderBytesFor(address + (ulong)Math.Max(0, size - 1));
        var units = new UnitCounter(ide);
        long tlps = 0, wire = 0;
        foreach (var chunk in TlpSplitter.Writes(address, size, Parameters.MaxPayloadSize))
        {
            tlps++;
            var payload = chunk.LengthDw * 4;
            wire += FramingBytes + header + payload + units.Add(payload);
        }

        wire += units.Close();
        return new TransferCost(tlps, size, wire);
    }

    /// <summary>Bytes on the wire (device to host) for the read requests of a DMA read.</summary>
    public TransferCost ReadRequestCost(ulong address, long size, IdeLinkOverhead ide = default)
    {
        var header = MemoryRequestHeaderBytesFor(address + (ulong)Math.Max(0, size - 1));
        var units = new UnitCounter(ide);
        long tlps = 0, wire = 0;
        foreach (var _ in TlpSplitter.ReadRequests(address, size, Parameters.MaxReadRequestSize))
        {
            tlps++;
            wire += FramingBytes + header + units.Add(0);
        }

        wire += units.Close();
        return new TransferCost(tlps, 0, wire);
    }

    /// <summary>Bytes on the wire (host to device) for the completions returning a DMA read's data.</summary>
    public TransferCost CompletionCost(ulong address, long size, IdeLinkOverhead ide = default)
    {
        var p = Parameters;
        var units = new UnitCounter(ide);
        long tlps = 0, wire = 0;
        foreach (var request in TlpSplitter.ReadRequests(address, size, p.MaxReadRequestSize))
        {
            foreach (var cpl in TlpSplitter.Completions(request.Address, request.Length, p.ReadCompletionBoundary, p.MaxPayloadSize, p.CompletionSplit))
            {
                tlps++;
                var payload = cpl.LengthDw * 4;
                wire += FramingBytes + CompletionHeaderBytes + payload + units.Add(payload);
            }
        }

        wire += units.Close();
        return new TransferCost(tlps, size, wire);
    }

    /// <summary>
    /// Payload bandwidth of back-to-back DMA writes of <paramref name="size"/> bytes when only the link limits
    /// (pcie-bench <c>mem_bw.write</c>: TLP rate × S / (S + n × per-TLP bytes)).
    /// </summary>
    public Bandwidth WriteBandwidth(long size, IdeLinkOverhead ide = default, ulong address = 1UL << 32)
    {
        var cost = WriteCost(address, size, ide);
        return new Bandwidth(TlpBytesPerSecond * size / cost.WireBytes);
    }

    /// <summary>
    /// Payload bandwidth of back-to-back DMA reads of <paramref name="size"/> bytes with unlimited tags and no host latency
    /// (pcie-bench <c>mem_bw.read</c>): requests flow one way, completions the other, and the busier direction sets the rate.
    /// </summary>
    public Bandwidth ReadBandwidth(long size, IdeLinkOverhead ide = default, ulong address = 1UL << 32)
    {
        var requests = ReadRequestCost(address, size, ide);
        var completions = CompletionCost(address, size, ide);
        var busier = Math.Max(requests.WireBytes, completions.WireBytes);
        return new Bandwidth(TlpBytesPerSecond * size / busier);
    }

    /// <summary>
    /// The credit-limited interval between TLPs: with <paramref name="tlpsInFlight"/> TLPs' worth of credits, a new TLP can
    /// start only when the credits of the one <paramref name="tlpsInFlight"/> back return, one
    /// <paramref name="creditRoundTrip"/> after it was admitted. Returns the larger of that and the serialisation time.
    /// </summary>
    public static SimTime CreditLimitedInterval(SimTime serialization, SimTime creditRoundTrip, long tlpsInFlight)
    {
        if (tlpsInFlight <= 0)
        {
            return serialization;
        }

        var limited = SimTime.FromPicoseconds((creditRoundTrip.Picoseconds + tlpsInFlight - 1) / tlpsInFlight);
        return SimTime.Max(serialization, limited);
    }

    /// <summary>
    /// TLPs of this size the receiver's credits allow in flight at once (long.MaxValue when infinite).
    /// </summary>
    public static long TlpsInFlight(FlowControlCredits credits, FlowControlType type, int payloadBytes)
    {
        var h = credits.Header(type);
        var d = credits.Data(type);
        var perTlp = FlowControlCredits.DataCreditsFor(payloadBytes);
        long byHeader = h == 0 ? long.MaxValue : h;
        long byData = d == 0 || perTlp == 0 ? long.MaxValue : d / perTlp;
        return Math.Min(byHeader, byData);
    }

    /// <summary>
    /// Time from admitting a TLP to its credits being usable again at the transmitter: transmit pipeline, serialisation,
    /// propagation, receive pipeline and the credit return latency.
    /// </summary>
    public SimTime CreditRoundTrip(SimTime serialization, SimTime transmitPipeline = default, SimTime receivePipeline = default) =>
        transmitPipeline + serialization + Parameters.PropagationLatency + receivePipeline + Parameters.CreditReturnLatency;

    public override string ToString() =>
        $"gen{(int)Parameters.Generation} x{Parameters.Width}{(Parameters.IsFlitMode ? " flit" : string.Empty)} MPS {Parameters.MaxPayloadSize}: " +
        $"raw {RawBytesPerSecond * 8 / 1e9:0.00} Gb/s, TLP layer {TlpBytesPerSecond * 8 / 1e9:0.00} Gb/s";

    /// <summary>Groups consecutive TLPs into IDE MAC units with the transmitter's rule: close at N TLPs or before exceeding 1 KiB.</summary>
    private struct UnitCounter(IdeLinkOverhead ide)
    {
        private int _count;
        private int _payload;

        /// <summary>Returns the IDE bytes this TLP adds (prefix, plus the previous unit's MAC when this TLP cannot join it).</summary>
        public int Add(int payload)
        {
            if (!ide.Enabled)
            {
                return 0;
            }

            var extra = IdeLinkOverhead.PrefixBytes;
            if (_count > 0 && (_count == ide.Aggregation || _payload + payload > IdeLinkOverhead.UnitPayloadLimit))
            {
                extra += ide.TrailerBytes;
                _count = 0;
                _payload = 0;
            }

            _count++;
            _payload += payload;
            return extra;
        }

        public int Close()
        {
            if (!ide.Enabled || _count == 0)
            {
                return 0;
            }

            _count = 0;
            _payload = 0;
            return ide.TrailerBytes;
        }
    }
}
