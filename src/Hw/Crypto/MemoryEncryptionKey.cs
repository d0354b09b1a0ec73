using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using BclAes = System.Security.Cryptography.Aes;

namespace SevTio.Hw.Crypto;

/// <summary>
/// SEV memory encryption as the memory controller applies it: AES in XEX mode (the XTS construction of IEEE 1619
/// without ciphertext stealing) with the physical address as tweak. AES-128 (as Zen 3/4 SME/SEV) or AES-256.
/// </summary>
/// <remarks>
/// The tweak, per 16-byte block at 16-aligned physical address <c>a</c>:
/// <list type="bullet">
/// <item><c>L = a &amp; ~63</c>, the address of its 64-byte cache line, and <c>j = (a &gt;&gt; 4) &amp; 3</c>, the block's index in the line;</item>
/// <item><c>T = E_tweakKey(L) ⊗ α^j</c>, where L is encrypted as a 128-bit little-endian integer (bytes 0..7 = L
/// little-endian, bytes 8..15 = 0) and ⊗ α is the GF(2^128) doubling of IEEE 1619 (little-endian, shift left by one,
/// fold x^128 = x^7 + x^2 + x + 1, i.e. XOR 0x87 into byte 0);</item>
/// <item><c>C = E_dataKey(P ⊕ T) ⊕ T</c> and <c>P = D_dataKey(C ⊕ T) ⊕ T</c>.</item>
/// </list>
/// So one tweak encryption serves a cache line, the unit a memory controller encrypts, and equal plaintext at
/// different addresses encrypts differently. Not safe for concurrent use from several threads.
/// </remarks>
public sealed class MemoryEncryptionKey : IDisposable
{
    private const int ChunkBlocks = 64;

    private readonly CryptoBackend _backend;
    private readonly int _keySizeBits;
    private readonly AesNiKey? _data;
    private readonly AesNiKey? _tweak;
    private readonly BclAes? _platformData;
    private readonly BclAes? _platformTweak;
    private bool _disposed;

    /// <param name="dataKey">16 or 32 bytes.</param>
    /// <param name="tweakKey">The same size as <paramref name="dataKey"/>.</param>
    public MemoryEncryptionKey(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> tweakKey, CryptoBackend backend = CryptoBackend.Auto)
    {
        if (dataKey.Length != 16 && dataKey.Length != 32)
        {
            CryptoArgument.ThrowKey(nameof(dataKey), "16 or 32", dataKey.Length);
        }

        if (tweakKey.Length != dataKey.Length)
        {
            CryptoArgument.ThrowKey(nameof(tweakKey), dataKey.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), tweakKey.Length);
        }

        _backend = AesGcm256.ResolveBackend(backend);
        _keySizeBits = dataKey.Length * 8;
        if (_backend == CryptoBackend.Intrinsics)
        {
            _data = new AesNiKey(dataKey, withDecryption: true);
            _tweak = new AesNiKey(tweakKey, withDecryption: false);
            return;
        }

        _platformData = CreateAes(dataKey);
        _platformTweak = CreateAes(tweakKey);
    }

    /// <summary>128 or 256.</summary>
    public int KeySizeBits => _keySizeBits;

    /// <summary>The backend this key runs on (never <see cref="CryptoBackend.Auto"/>).</summary>
    public CryptoBackend Backend => _backend;

    /// <summary>Encrypts whole 16-byte blocks starting at 16-aligned <paramref name="physicalAddress"/>; in place allowed.</summary>
    public void Encrypt(ulong physicalAddress, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext)
    {
        CheckArguments(physicalAddress, plaintext, ciphertext, nameof(ciphertext));
        Transform(physicalAddress, plaintext, ciphertext, encrypt: true);
    }

    /// <summary>Decrypts whole 16-byte blocks starting at 16-aligned <paramref name="physicalAddress"/>; in place allowed.</summary>
    public void Decrypt(ulong physicalAddress, ReadOnlySpan<byte> ciphertext, Span<byte> plaintext)
    {
        CheckArguments(physicalAddress, ciphertext, plaintext, nameof(plaintext));
        Transform(physicalAddress, ciphertext, plaintext, encrypt: false);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _data?.Clear();
        _tweak?.Clear();
        _platformData?.Dispose();
        _platformTweak?.Dispose();
    }

    /// <summary>The AES-NI data key (with its decryption schedule), null on the Platform backend.</summary>
    internal AesNiKey? DataKey => _data;

    /// <summary>The AES-NI tweak key, null on the Platform backend.</summary>
    internal AesNiKey? TweakKey => _tweak;

    /// <summary>XEX without argument checks (callers checked).</summary>
    internal void Transform(ulong address, ReadOnlySpan<byte> source, Span<byte> destination, bool encrypt)
    {
        if (_data is not null)
        {
            XexKernels.Transform(_data, _tweak!, address, ref MemoryMarshal.GetReference(source), ref MemoryMarshal.GetReference(destination),
                source.Length, encrypt);
            return;
        }

        PlatformTransform(address, source, destination, encrypt);
    }

    internal void CheckArguments(ulong physicalAddress, ReadOnlySpan<byte> source, Span<byte> destination, string destinationName)
    {
        if (_disposed)
        {
            CryptoArgument.ThrowDisposed(nameof(MemoryEncryptionKey));
        }

        CheckLayout(physicalAddress, source.Length);
        CryptoArgument.CheckSameLength(source.Length, destination.Length, destinationName);
        CryptoArgument.CheckInPlaceOrDisjoint(source, destination, destinationName);
    }

    internal static void CheckLayout(ulong physicalAddress, int length)
    {
        if ((physicalAddress & 15) != 0)
        {
            CryptoArgument.ThrowAlignment(nameof(physicalAddress), $"The physical address 0x{physicalAddress:x} is not 16-byte aligned (memory encryption works on whole AES blocks).");
        }

        if ((length & 15) != 0)
        {
            CryptoArgument.ThrowAlignment("length", $"The length {length} is not a multiple of 16 (memory encryption works on whole AES blocks).");
        }

        if (length > 0 && physicalAddress > ulong.MaxValue - (ulong)(length - 1))
        {
            CryptoArgument.ThrowAlignment(nameof(physicalAddress), "The range runs past the end of the physical address space.");
        }
    }

    /// <summary>XTS doubling: T ← T ⊗ α over GF(2^128), T as a little-endian 128-bit integer (IEEE 1619 §5.2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Double(ref ulong lo, ref ulong hi)
    {
        var carry = hi >> 63;
        hi = (hi << 1) | (lo >> 63);
        lo = (lo << 1) ^ (carry * 0x87);
    }

    private static BclAes CreateAes(ReadOnlySpan<byte> key)
    {
        var aes = BclAes.Create();
        var copy = key.ToArray();
        aes.Key = copy;
        CryptographicOperations.ZeroMemory(copy);
        return aes;
    }

    private void PlatformTransform(ulong address, ReadOnlySpan<byte> source, Span<byte> destination, bool encrypt)
    {
        Span<byte> tweaks = stackalloc byte[ChunkBlocks * 16];
        Span<byte> work = stackalloc byte[ChunkBlocks * 16];
        Span<byte> lines = stackalloc byte[(ChunkBlocks / 4 + 1) * 16];
        while (source.Length > 0)
        {
            var bytes = Math.Min(source.Length, ChunkBlocks * 16);
            var blocks = bytes / 16;

            // One tweak encryption per cache line touched by this chunk.
            var firstLine = address & ~63UL;
            var lineCount = (int)(((address + (ulong)bytes - 1) >> 6) - (address >> 6)) + 1;
            lines[..(lineCount * 16)].Clear();
            for (var k = 0; k < lineCount; k++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(lines[(k * 16)..], firstLine + (ulong)k * 64);
            }

            _platformTweak!.EncryptEcb(lines[..(lineCount * 16)], lines, PaddingMode.None);
            for (var i = 0; i < blocks; i++)
            {
                var a = address + (ulong)i * 16;
                var line = lines.Slice((int)((a >> 6) - (address >> 6)) * 16, 16);
                var lo = BinaryPrimitives.ReadUInt64LittleEndian(line);
                var hi = BinaryPrimitives.ReadUInt64LittleEndian(line[8..]);
                for (var j = (int)((a >> 4) & 3); j > 0; j--)
                {
                    Double(ref lo, ref hi);
                }

                BinaryPrimitives.WriteUInt64LittleEndian(tweaks[(i * 16)..], lo);
                BinaryPrimitives.WriteUInt64LittleEndian(tweaks[(i * 16 + 8)..], hi);
            }

            BlockXor.Xor(source[..bytes], tweaks, work[..bytes]);
            if (encrypt)
            {
                _platformData!.EncryptEcb(work[..bytes], work, PaddingMode.None);
            }
            else
            {
                _platformData!.DecryptEcb(work[..bytes], work, PaddingMode.None);
            }

            BlockXor.Xor(work[..bytes], tweaks, destination[..bytes]);
            source = source[bytes..];
            destination = destination[bytes..];
            address += (ulong)bytes;
        }
    }
}
