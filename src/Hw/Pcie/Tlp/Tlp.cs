using System.Runtime.CompilerServices;
using SevTio.Hw.Ide;

namespace SevTio.Hw.Pcie;

/// <summary>
/// One TLP in flight: its real wire bytes in a pooled buffer plus the decoded header and layout, as a TLM generic
/// payload carries a data pointer and attributes. Components pass the object along and the last one returns it to
/// its <see cref="TlpPool"/> with <see cref="Release"/>; nothing is allocated per TLP once the pool is warm.
/// </summary>
/// <remarks>
/// The buffer keeps <see cref="Headroom"/> bytes free in front of the packet so an IDE transmitter can insert its
/// prefix without moving the payload (the Linux skb headroom idea), and room behind it for PCRC and MAC.
/// Model-only annotations (<see cref="Cookie"/>, <see cref="CreatedAt"/>, <see cref="IdeStreamHint"/>) are never
/// on the wire.
/// </remarks>
public sealed class Tlp
{
    /// <summary>Free bytes kept in front of the packet for prefixes added on the way.</summary>
    public const int Headroom = 32;

    /// <summary>Buffer size: headroom plus the largest packet, rounded up.</summary>
    public const int BufferBytes = 4352;

    /// <summary>Buffer bytes besides the payload: headroom, the largest header with its prefixes, and the trailers.</summary>
    private const int BufferOverhead = BufferBytes - 4096;

    private readonly byte[] _buffer;
    private int _start;
    private int _length;

    /// <summary>Creates an unpooled TLP (tests, one-off messages). Hot paths rent from a <see cref="TlpPool"/>.</summary>
    public Tlp()
        : this(null)
    {
    }

    internal Tlp(TlpPool? pool)
    {
        Pool = pool;
        _buffer = GC.AllocateUninitializedArray<byte>(BufferBytes, pinned: pool is not null);
        _start = Headroom;
    }

    /// <summary>
    /// Creates an unpooled TLP whose buffer holds payloads of at most <paramref name="maxPayloadBytes"/> (a link's MPS):
    /// the burst level's batches keep hundreds of TLPs in flight, and buffers sized to the payload keep them dense in
    /// the caches and the TLB instead of one 4 KiB page each.
    /// </summary>
    internal Tlp(int maxPayloadBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxPayloadBytes);
        _buffer = GC.AllocateUninitializedArray<byte>(Math.Min(maxPayloadBytes, 4096) + BufferOverhead);
        _start = Headroom;
    }

    /// <summary>The largest payload this TLP's buffer holds (4 KiB unless created for a smaller MPS).</summary>
    public int MaxPayloadBytes => _buffer.Length - BufferOverhead;

    /// <summary>The pool this TLP returns to; null for unpooled TLPs.</summary>
    public TlpPool? Pool { get; }

    /// <summary>The decoded header (valid after <see cref="Encode"/>, <see cref="Load"/> or <see cref="Parse"/>).</summary>
    public TlpHeader Header;

    /// <summary>Where the parts of the packet are (valid with <see cref="Header"/>).</summary>
    public TlpLayout Layout;

    /// <summary>The IDE prefix, when <see cref="TlpLayout.HasIdePrefix"/>.</summary>
    public IdePrefix IdePrefix;

    /// <summary>A caller-defined tag that travels with the TLP (e.g. a DMA job id). Not on the wire.</summary>
    public long Cookie;

    /// <summary>When the originator created the TLP, for latency statistics. Not on the wire.</summary>
    public Simulation.SimTime CreatedAt;

    /// <summary>
    /// The Selective IDE stream id the transmitter chose (set by IDE TX; -1 for non-IDE), kept for the receiver's
    /// completion-stream checks. Not on the wire as such (the prefix carries it).
    /// </summary>
    public int IdeStreamHint = -1;

    /// <summary>Packet length in bytes, trailers included.</summary>
    public int Length => _length;

    /// <summary>The packet's wire bytes.</summary>
    public Span<byte> Wire => _buffer.AsSpan(_start, _length);

    /// <summary>The payload bytes (ciphertext while IDE-protected).</summary>
    public Span<byte> Payload => _buffer.AsSpan(_start + Layout.PayloadOffset, Layout.PayloadBytes);

    /// <summary>The header bytes.</summary>
    public Span<byte> HeaderBytes => _buffer.AsSpan(_start + Layout.HeaderOffset, Layout.HeaderBytes);

    /// <summary>The MAC bytes, empty if none.</summary>
    public Span<byte> Mac => Layout.MacOffset < 0 ? default : _buffer.AsSpan(_start + Layout.MacOffset, TlpCodec.MacBytes);

    /// <summary>The (encrypted) PCRC bytes, empty if none.</summary>
    public Span<byte> Pcrc => Layout.PcrcOffset < 0 ? default : _buffer.AsSpan(_start + Layout.PcrcOffset, TlpCodec.PcrcBytes);

    /// <summary>Payload followed by the PCRC (contiguous on the wire): what IDE encrypts as P.</summary>
    internal Span<byte> PayloadAndPcrc => _buffer.AsSpan(_start + Layout.PayloadOffset, Layout.PayloadBytes + (Layout.PcrcOffset < 0 ? 0 : TlpCodec.PcrcBytes));

    /// <summary>The Selective-IDE AAD: IDE prefix, other End-End prefixes and header.</summary>
    public ReadOnlySpan<byte> AdditionalData => _buffer.AsSpan(_start + Layout.AadOffset, Layout.AadLength);

    public FlowControlType FlowControlType => Header.FlowControlType;

    /// <summary>True when the packet carries an IDE prefix and so is TEE-originated only if its T bit says so.</summary>
    public bool IsIde => Layout.HasIdePrefix;

    /// <summary>The T bit: set only on IDE TLPs whose prefix marks them as TEE-originated.</summary>
    public bool IsTeeOriginated => Layout.HasIdePrefix && IdePrefix.TeeOriginated;

    /// <summary>
    /// Builds a packet without IDE from a header, copying <paramref name="payload"/> (exactly
    /// <see cref="TlpHeader.PayloadBytes"/> bytes) and optional raw <paramref name="prefixes"/>.
    /// </summary>
    public void Encode(in TlpHeader header, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> prefixes = default)
    {
        _start = Headroom;
        _length = TlpCodec.Encode(header, payload, _buffer.AsSpan(_start, _buffer.Length - Headroom - 64), prefixes);
        ParseInPlace();
    }

    /// <summary>
    /// Builds a packet without IDE and returns its payload span for the caller to fill in place (a DMA engine reading
    /// memory straight into the TLP, no intermediate copy). The payload bytes are not cleared.
    /// </summary>
    public Span<byte> EncodeForPayload(scoped in TlpHeader header)
    {
        if (header.PayloadBytes > MaxPayloadBytes)
        {
            throw new ArgumentException($"a {header.PayloadBytes}-byte payload does not fit this TLP's buffer ({MaxPayloadBytes} bytes)", nameof(header));
        }

        _start = Headroom;
        var at = TlpCodec.EncodeHeader(header, _buffer.AsSpan(_start));
        _length = at + header.PayloadBytes + (header.Digest ? TlpCodec.EcrcBytes : 0);
        if (header.Digest)
        {
            _buffer.AsSpan(_start + at + header.PayloadBytes, TlpCodec.EcrcBytes).Clear();
        }

        Header = header;
        IdePrefix = default;
        Layout = new TlpLayout(0, -1, 0, 0, at, at, header.PayloadBytes, -1, -1, header.Digest ? at + header.PayloadBytes : -1, _length);
        return Payload;
    }

    /// <summary>Copies received wire bytes in and parses them; throws <see cref="TlpFormatException"/> if malformed.</summary>
    public void Load(ReadOnlySpan<byte> wire)
    {
        if (wire.Length > BufferBytes - Headroom)
        {
            throw new TlpFormatException("Length", 0, $"{wire.Length} bytes is longer than any TLP");
        }

        if (wire.Length > _buffer.Length - Headroom)
        {
            throw new ArgumentException($"{wire.Length} bytes do not fit this TLP's buffer (created for payloads of at most {MaxPayloadBytes} bytes)", nameof(wire));
        }

        _start = Headroom;
        _length = wire.Length;
        wire.CopyTo(_buffer.AsSpan(_start));
        ParseInPlace();
    }

    /// <summary>Re-parses the current bytes (after a component rewrote them); throws <see cref="TlpFormatException"/> if malformed.</summary>
    public void Parse() => ParseInPlace();

    /// <summary>
    /// Makes room for an IDE prefix in front of the End-End prefixes (after any local prefixes) and writes it.
    /// Used by the IDE transmitter; the caller re-establishes the layout.
    /// </summary>
    internal void InsertIdePrefix(in IdePrefix prefix)
    {
        if (_start < IdePrefix.Size)
        {
            throw new InvalidOperationException("no headroom left for the IDE prefix");
        }

        var local = Layout.LocalPrefixBytes;
        if (local > 0)
        {
            _buffer.AsSpan(_start, local).CopyTo(_buffer.AsSpan(_start - IdePrefix.Size, local));
        }

        _start -= IdePrefix.Size;
        _length += IdePrefix.Size;
        prefix.Write(_buffer.AsSpan(_start + local, IdePrefix.Size));
        IdePrefix = prefix;
        Layout = Layout with
        {
            IdePrefixOffset = local,
            EndToEndPrefixBytes = Layout.EndToEndPrefixBytes + IdePrefix.Size,
            HeaderOffset = Layout.HeaderOffset + IdePrefix.Size,
            PayloadOffset = Layout.PayloadOffset + IdePrefix.Size,
            PcrcOffset = -1,
            MacOffset = -1,
            EcrcOffset = -1,
            Length = _length,
        };
    }

    /// <summary>
    /// Grows the packet by <paramref name="pcrcBytes"/> + <paramref name="macBytes"/> after the payload and returns
    /// the spans (used by the IDE transmitter).
    /// </summary>
    internal void AppendIdeTrailer(bool pcrc, bool mac)
    {
        var at = Layout.PayloadOffset + Layout.PayloadBytes;
        var pcrcOffset = pcrc ? at : -1;
        at += pcrc ? TlpCodec.PcrcBytes : 0;
        var macOffset = mac ? at : -1;
        at += mac ? TlpCodec.MacBytes : 0;
        _length = at;
        Layout = Layout with { PcrcOffset = pcrcOffset, MacOffset = macOffset, Length = at };
    }

    /// <summary>Returns the TLP to its pool (no-op for unpooled TLPs). The caller must not touch it afterwards.</summary>
    public void Release() => Pool?.Return(this);

    /// <summary>True while the TLP sits in its pool's free list (guards against double release).</summary>
    internal bool IsFree;

    /// <summary>Clears annotations before reuse.</summary>
    internal void ResetForReuse()
    {
        _start = Headroom;
        _length = 0;
        Header = default;
        Layout = default;
        IdePrefix = default;
        Cookie = 0;
        CreatedAt = default;
        IdeStreamHint = -1;
    }

    /// <summary>Copies this packet's bytes and decoded state into <paramref name="destination"/> (e.g. to replay it in a test).</summary>
    public void CopyTo(Tlp destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        _buffer.AsSpan(_start, _length).CopyTo(destination._buffer.AsSpan(_start));
        destination._start = _start;
        destination._length = _length;
        destination.Header = Header;
        destination.Layout = Layout;
        destination.IdePrefix = IdePrefix;
        destination.Cookie = Cookie;
        destination.CreatedAt = CreatedAt;
        destination.IdeStreamHint = IdeStreamHint;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ParseInPlace() => Layout = TlpCodec.Parse(_buffer.AsSpan(_start, _length), out Header, out IdePrefix);

    public override string ToString() => IsIde ? $"{Header} [IDE {IdePrefix}]" : Header.ToString();
}
