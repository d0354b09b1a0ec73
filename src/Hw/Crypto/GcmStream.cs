using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SevTio.Hw.Crypto;

/// <summary>
/// Incremental AES-GCM over one nonce: A = A1 ‖ A2 ‖ … and P = P1 ‖ P2 ‖ … are each concatenated before padding,
/// exactly what PCIe IDE MAC aggregation needs (one MAC over up to 8 TLPs). Keystream and GHASH continue across
/// calls, partial blocks included. Obtain it from <see cref="AesGcm256.Begin"/> and keep it in a local or pass it
/// by <c>ref</c>: it is a mutable struct and never allocates.
/// </summary>
public struct GcmStream
{
    private readonly AesGcm256? _context;
    private readonly GcmNonce _nonce;
    private ulong _hashHi;
    private ulong _hashLo;
    private long _associatedDataLength;
    private long _payloadLength;
    private Block16 _partial;
    private Phase _phase;

    internal GcmStream(AesGcm256 context, GcmNonce nonce)
    {
        _context = context;
        _nonce = nonce;
        _phase = Phase.AssociatedData;
    }

    private enum Phase : byte
    {
        Unstarted,
        AssociatedData,
        Payload,
        Finished,
    }

    /// <summary>Payload bytes processed so far (the offset the next <see cref="Encrypt"/> continues at).</summary>
    public readonly long PayloadLength => _payloadLength;

    /// <summary>Associated-data bytes absorbed so far.</summary>
    public readonly long AssociatedDataLength => _associatedDataLength;

    /// <summary>Absorbs more associated data. All associated data must come before any payload.</summary>
    public void AppendAssociatedData(ReadOnlySpan<byte> data)
    {
        var context = Context();
        if (_phase != Phase.AssociatedData)
        {
            CryptoArgument.ThrowStreamState("Associated data must be appended before any payload.");
        }

        if (_associatedDataLength > GcmLimits.MaxAssociatedDataBytes - data.Length)
        {
            CryptoArgument.ThrowStreamState("Too much associated data for GCM.");
        }

        Absorb(context, data, _associatedDataLength);
        _associatedDataLength += data.Length;
    }

    /// <summary>Encrypts the next payload bytes and absorbs the ciphertext. <paramref name="ciphertext"/> may be the same memory.</summary>
    public void Encrypt(ReadOnlySpan<byte> plaintext, Span<byte> ciphertext)
    {
        var context = Context();
        CryptoArgument.CheckSameLength(plaintext.Length, ciphertext.Length, nameof(ciphertext));
        CryptoArgument.CheckInPlaceOrDisjoint(plaintext, ciphertext, nameof(ciphertext));
        BeginPayload(context, plaintext.Length);

        var pending = (int)(_payloadLength & 15);
        if (pending != 0 && plaintext.Length > 0)
        {
            // Finish the block a previous call left open: its keystream is recomputed rather than carried (one block).
            Span<byte> keystream = stackalloc byte[16];
            _nonce.WriteCounterBlock(keystream, GcmNonce.PayloadCounter(_payloadLength >> 4));
            context.EncryptBlock(keystream, keystream);
            var take = Math.Min(16 - pending, plaintext.Length);
            Span<byte> partial = _partial;
            BlockXor.Xor(plaintext[..take], keystream.Slice(pending, take), ciphertext[..take]);
            ciphertext[..take].CopyTo(partial[pending..]);
            _payloadLength += take;
            plaintext = plaintext[take..];
            ciphertext = ciphertext[take..];
            if (pending + take == 16)
            {
                context.GhashBlocks(ref _hashHi, ref _hashLo, partial);
            }
        }

        var full = plaintext.Length & ~15;
        if (full > 0)
        {
            context.CtrXorAndGhash(_nonce, GcmNonce.PayloadCounter(_payloadLength >> 4), plaintext[..full], ciphertext[..full], ref _hashHi, ref _hashLo);
            _payloadLength += full;
        }

        if (full != plaintext.Length)
        {
            var rest = plaintext.Length - full;
            context.CtrXor(_nonce, GcmNonce.PayloadCounter(_payloadLength >> 4), plaintext[full..], ciphertext[full..]);
            Span<byte> partial = _partial;
            ciphertext[full..].CopyTo(partial);
            _payloadLength += rest;
        }
    }

    /// <summary>Absorbs ciphertext without decrypting it: a receiver checks the MAC of a whole unit before decrypting any of it.</summary>
    public void Authenticate(ReadOnlySpan<byte> ciphertext)
    {
        var context = Context();
        BeginPayload(context, ciphertext.Length);
        Absorb(context, ciphertext, _payloadLength);
        _payloadLength += ciphertext.Length;
    }

    /// <summary>Writes the most significant <c>tag.Length</c> (12..16) bytes of the GCM tag and ends the stream.</summary>
    public void Finish(Span<byte> tag)
    {
        CryptoArgument.CheckTag(tag.Length);
        Span<byte> full = stackalloc byte[16];
        FinishCore(full);
        full[..tag.Length].CopyTo(tag);
        full.Clear();
    }

    /// <summary>Ends the stream and compares its tag with <paramref name="tag"/> (12..16 bytes) in constant time.</summary>
    public bool FinishAndVerify(ReadOnlySpan<byte> tag)
    {
        CryptoArgument.CheckTag(tag.Length);
        Span<byte> full = stackalloc byte[16];
        FinishCore(full);
        var match = ConstantTime.TagEquals(full[..tag.Length], tag);
        full.Clear();
        return match;
    }

    internal readonly GcmNonce Nonce => _nonce;

    /// <summary>Throws unless the stream can take more payload (fused callers check before writing anything).</summary>
    internal readonly void CheckCanTakePayload()
    {
        _ = Context();
    }

    /// <summary>
    /// The DMA-read pass of <see cref="FusedCrypto.EncryptFromEncryptedMemory"/> (arguments already checked): fused over
    /// whole line pairs when the stream sits on a block boundary, composed in L1-sized chunks elsewhere.
    /// </summary>
    internal void EncryptFromEncryptedMemory(MemoryEncryptionKey memoryKey, ulong address, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var context = Context();
        BeginPayload(context, source.Length);
        var done = 0;
        if (context.AesKey is not null && memoryKey.DataKey is not null)
        {
            var head = Math.Min(source.Length, (int)((64 - (address & 63)) & 63));
            if (head > 0)
            {
                ComposedFromMemory(memoryKey, address, source[..head], destination[..head]);
                done = head;
            }

            var body = (source.Length - done) & ~127;
            if (body > 0 && (_payloadLength & 15) == 0)
            {
                var y = context.XexDecryptThenCtrEncryptAndHash(memoryKey, address + (ulong)done,
                    GcmKernels.ReversedCounter(_nonce, GcmNonce.PayloadCounter(_payloadLength >> 4)),
                    source.Slice(done, body), destination.Slice(done, body), GhashClmul.FromState(_hashHi, _hashLo));
                _hashHi = y.GetElement(1);
                _hashLo = y.GetElement(0);
                _payloadLength += body;
                done += body;
            }
        }

        ComposedFromMemory(memoryKey, address + (ulong)done, source[done..], destination[done..]);
    }

    private void ComposedFromMemory(MemoryEncryptionKey memoryKey, ulong address, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        for (var offset = 0; offset < source.Length; offset += FusedCrypto.ComposedChunkBytes)
        {
            var chunk = Math.Min(FusedCrypto.ComposedChunkBytes, source.Length - offset);
            var target = destination.Slice(offset, chunk);
            memoryKey.Transform(address + (ulong)offset, source.Slice(offset, chunk), target, encrypt: false);
            Encrypt(target, target);
        }
    }

    private void FinishCore(Span<byte> tag16)
    {
        var context = Context();
        BeginPayload(context, 0);
        if ((_payloadLength & 15) != 0)
        {
            Span<byte> partial = _partial;
            partial[(int)(_payloadLength & 15)..].Clear();
            context.GhashBlocks(ref _hashHi, ref _hashLo, partial);
        }

        context.FinishTag(_nonce, _hashHi, _hashLo, _associatedDataLength, _payloadLength, tag16);
        _phase = Phase.Finished;
        _hashHi = 0;
        _hashLo = 0;
        ((Span<byte>)_partial).Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly AesGcm256 Context()
    {
        var context = _context;
        if (context is null || _phase == Phase.Finished)
        {
            ThrowNotActive(context is null);
        }

        context!.CheckDisposed();
        return context;
    }

    private static void ThrowNotActive(bool unstarted) =>
        CryptoArgument.ThrowStreamState(unstarted
            ? "This GcmStream was not started: obtain it from AesGcm256.Begin."
            : "This GcmStream is finished; begin a new one for the next nonce.");

    /// <summary>Closes the associated data (zero-padding its last block) on the first payload call, and checks the payload limit.</summary>
    private void BeginPayload(AesGcm256 context, int length)
    {
        if (_phase == Phase.AssociatedData)
        {
            var pending = (int)(_associatedDataLength & 15);
            if (pending != 0)
            {
                Span<byte> partial = _partial;
                partial[pending..].Clear();
                context.GhashBlocks(ref _hashHi, ref _hashLo, partial);
            }

            _phase = Phase.Payload;
        }

        if (_payloadLength > GcmLimits.MaxPayloadBytes - length)
        {
            CryptoArgument.ThrowPayloadLimit("plaintext");
        }
    }

    /// <summary>GHASH over data that continues a stream of <paramref name="soFar"/> bytes; an incomplete last block waits in <see cref="_partial"/>.</summary>
    private void Absorb(AesGcm256 context, ReadOnlySpan<byte> data, long soFar)
    {
        Span<byte> partial = _partial;
        var pending = (int)(soFar & 15);
        if (pending != 0)
        {
            var take = Math.Min(16 - pending, data.Length);
            data[..take].CopyTo(partial[pending..]);
            data = data[take..];
            if (pending + take < 16)
            {
                return;
            }

            context.GhashBlocks(ref _hashHi, ref _hashLo, partial);
        }

        var full = data.Length & ~15;
        if (full > 0)
        {
            context.GhashBlocks(ref _hashHi, ref _hashLo, data[..full]);
        }

        data[full..].CopyTo(partial);
    }
}
