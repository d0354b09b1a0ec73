using SevTio.Hw.Crypto;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Memory;

/// <summary>
/// The memory controller with SEV memory encryption (APM vol. 2 §15.34): a key slot per ASID; a private (C-bit) access
/// by the owning guest or by trusted DMA is stored as AES-XEX ciphertext under that ASID's key, tweaked by the physical
/// address, and read back as plaintext; everyone else (host, another guest, a device on the shared path) reads the raw
/// bytes, i.e. the ciphertext. Who may make a private access is decided elsewhere (RMP, IOMMU); this only applies the key
/// it is told to use.
/// </summary>
/// <remarks>
/// <para>Keys are generated from a seeded <see cref="Random"/>, so a run is deterministic: the same seed and the same order
/// of <see cref="InstallKey(int)"/> calls give the same keys (the PSP programs a fresh key into the UMC slot on
/// SNP_ACTIVATE). The key size is a parameter: AES-128 (Zen 3/4 default) or AES-256.</para>
/// <para>Writes smaller than, or not aligned to, a 16-byte AES block read-modify-write the blocks they touch, as the
/// hardware does per cache line. Page-sized aligned writes encrypt straight from the source into the page (no copy).</para>
/// <para>Not thread-safe: a <see cref="MemoryEncryptionKey"/> may be used by one thread at a time.</para>
/// </remarks>
public sealed class MemoryController : IDisposable
{
    private const int BlockSize = 16;

    private readonly Random _keySource;
    private readonly CryptoBackend _backend;
    private readonly MemoryEncryptionKey?[] _keys;

    /// <param name="memory">The physical memory behind the controller.</param>
    /// <param name="timing">Latency and bandwidth of accesses.</param>
    /// <param name="keySource">Seeded source of key material (never <see cref="Random.Shared"/>: runs must be deterministic).</param>
    /// <param name="keySizeBits">128 (AES-128, the Zen 3/4 default) or 256 (<c>memory.key_bits</c>).</param>
    /// <param name="maxAsid">Highest ASID with a key slot (the RMP entry holds 10 bits: 1023).</param>
    /// <param name="backend">Crypto backend of the keys.</param>
    public MemoryController(PhysicalMemory memory, MemoryTiming timing, Random keySource, int keySizeBits = 128, int maxAsid = 1023, CryptoBackend backend = CryptoBackend.Auto)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(timing);
        ArgumentNullException.ThrowIfNull(keySource);
        if (keySizeBits is not (128 or 256))
        {
            throw new ParameterException("memory.key_bits", keySizeBits.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be 128 or 256");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxAsid, 1);
        Memory = memory;
        Timing = timing.Validate();
        KeySizeBits = keySizeBits;
        _keySource = keySource;
        _backend = backend;
        _keys = new MemoryEncryptionKey?[maxAsid + 1];
    }

    public PhysicalMemory Memory { get; }

    public MemoryTiming Timing { get; }

    /// <summary>AES key size of the memory keys: 128 or 256.</summary>
    public int KeySizeBits { get; }

    /// <summary>Highest ASID with a key slot.</summary>
    public int MaxAsid => _keys.Length - 1;

    /// <summary>
    /// Generates a fresh key for <paramref name="asid"/> from the seeded source and programs it (replacing any previous
    /// key, so pages written under the old key now read as garbage, as after a real re-key).
    /// </summary>
    public MemoryEncryptionKey InstallKey(int asid)
    {
        CheckAsid(asid);
        var bytes = KeySizeBits / 8;
        Span<byte> material = stackalloc byte[64];
        _keySource.NextBytes(material[..(2 * bytes)]);
        try
        {
            return InstallKey(asid, material[..bytes], material.Slice(bytes, bytes));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(material);
        }
    }

    /// <summary>Programs explicit key material for <paramref name="asid"/> (tests, reproductions); both keys of <see cref="KeySizeBits"/>.</summary>
    public MemoryEncryptionKey InstallKey(int asid, ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> tweakKey)
    {
        CheckAsid(asid);
        if (dataKey.Length * 8 != KeySizeBits || tweakKey.Length * 8 != KeySizeBits)
        {
            throw new ArgumentException($"memory keys are {KeySizeBits} bits");
        }

        var key = new MemoryEncryptionKey(dataKey, tweakKey, _backend);
        _keys[asid]?.Dispose();
        _keys[asid] = key;
        return key;
    }

    /// <summary>Clears the key slot of <paramref name="asid"/> (guest decommissioned).</summary>
    public void RemoveKey(int asid)
    {
        CheckAsid(asid);
        _keys[asid]?.Dispose();
        _keys[asid] = null;
    }

    public bool HasKey(int asid) => (uint)asid < (uint)_keys.Length && asid != 0 && _keys[asid] is not null;

    /// <summary>The key of <paramref name="asid"/>, for a fused writer (<see cref="FusedCrypto.DecryptToEncryptedMemory"/>).</summary>
    public MemoryEncryptionKey GetKey(int asid)
    {
        if (!HasKey(asid))
        {
            ThrowNoKey(asid);
        }

        return _keys[asid]!;
    }

    /// <summary>Zero-copy destination: a writable span onto (part of) one page, allocating it on first touch.</summary>
    public Span<byte> GetWritableSpan(ulong physicalAddress, int length) => Memory.GetWritableSpan(physicalAddress, length);

    /// <summary>Zero-copy source: a read-only span onto (part of) one page (raw bytes; a zero page if untouched).</summary>
    public ReadOnlySpan<byte> GetReadableSpan(ulong physicalAddress, int length) => Memory.GetReadableSpan(physicalAddress, length);

    /// <summary>What the bus sees: raw bytes, ciphertext for private pages.</summary>
    public void ReadRaw(ulong physicalAddress, Span<byte> destination) => Memory.Read(physicalAddress, destination);

    /// <summary>A shared (C-bit clear) write: stored as given.</summary>
    public void WriteRaw(ulong physicalAddress, ReadOnlySpan<byte> source) => Memory.Write(physicalAddress, source);

    /// <summary>A private write of <paramref name="asid"/>: stores the XEX ciphertext of <paramref name="plaintext"/>; any alignment, may cross pages.</summary>
    public void WritePrivate(int asid, ulong physicalAddress, ReadOnlySpan<byte> plaintext)
    {
        var key = GetKey(asid);
        CheckRange(physicalAddress, plaintext.Length);
        while (!plaintext.IsEmpty)
        {
            var chunk = PhysicalMemory.ChunkInPage(physicalAddress, plaintext.Length);
            WritePrivateInPage(key, physicalAddress, plaintext[..chunk]);
            plaintext = plaintext[chunk..];
            physicalAddress += (ulong)chunk;
        }
    }

    /// <summary>A private read of <paramref name="asid"/>: decrypts what is stored; any alignment, may cross pages.</summary>
    public void ReadPrivate(int asid, ulong physicalAddress, Span<byte> plaintext)
    {
        var key = GetKey(asid);
        CheckRange(physicalAddress, plaintext.Length);
        while (!plaintext.IsEmpty)
        {
            var chunk = PhysicalMemory.ChunkInPage(physicalAddress, plaintext.Length);
            ReadPrivateInPage(key, physicalAddress, plaintext[..chunk]);
            plaintext = plaintext[chunk..];
            physicalAddress += (ulong)chunk;
        }
    }

    /// <summary>
    /// Writes as an IOMMU or CPU decision says: <paramref name="keyAsid"/> = 0 is a shared (raw) write, otherwise a private
    /// write under that ASID's key (<see cref="Iommu.IommuTranslation.MemoryKeyAsid"/>).
    /// </summary>
    public void Write(int keyAsid, ulong physicalAddress, ReadOnlySpan<byte> data)
    {
        if (keyAsid == 0)
        {
            WriteRaw(physicalAddress, data);
        }
        else
        {
            WritePrivate(keyAsid, physicalAddress, data);
        }
    }

    /// <summary>Reads as an IOMMU or CPU decision says: <paramref name="keyAsid"/> = 0 raw, otherwise decrypted under that ASID's key.</summary>
    public void Read(int keyAsid, ulong physicalAddress, Span<byte> data)
    {
        if (keyAsid == 0)
        {
            ReadRaw(physicalAddress, data);
        }
        else
        {
            ReadPrivate(keyAsid, physicalAddress, data);
        }
    }

    /// <summary>Simulated time of a read of <paramref name="bytes"/>; encrypted adds the AES engine's latency.</summary>
    public SimTime ReadCost(long bytes, bool encrypted) => Timing.ReadCost(bytes, encrypted);

    /// <summary>Simulated time of a write of <paramref name="bytes"/>; encrypted adds the AES engine's latency.</summary>
    public SimTime WriteCost(long bytes, bool encrypted) => Timing.WriteCost(bytes, encrypted);

    public void Dispose()
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i]?.Dispose();
            _keys[i] = null;
        }
    }

    private void WritePrivateInPage(MemoryEncryptionKey key, ulong address, ReadOnlySpan<byte> source)
    {
        if ((address & (BlockSize - 1)) != 0 || source.Length < BlockSize)
        {
            var blockAddress = address & ~(ulong)(BlockSize - 1);
            var offset = (int)(address - blockAddress);
            var n = Math.Min(BlockSize - offset, source.Length);
            ReadModifyWriteBlock(key, blockAddress, offset, source[..n]);
            address += (ulong)n;
            source = source[n..];
        }

        var whole = source.Length & ~(BlockSize - 1);
        if (whole > 0)
        {
            key.Encrypt(address, source[..whole], Memory.GetWritableSpan(address, whole));
            address += (ulong)whole;
            source = source[whole..];
        }

        if (!source.IsEmpty)
        {
            ReadModifyWriteBlock(key, address, 0, source);
        }
    }

    private void ReadPrivateInPage(MemoryEncryptionKey key, ulong address, Span<byte> destination)
    {
        Span<byte> block = stackalloc byte[BlockSize];
        if ((address & (BlockSize - 1)) != 0 || destination.Length < BlockSize)
        {
            var blockAddress = address & ~(ulong)(BlockSize - 1);
            var offset = (int)(address - blockAddress);
            var n = Math.Min(BlockSize - offset, destination.Length);
            key.Decrypt(blockAddress, Memory.GetReadableSpan(blockAddress, BlockSize), block);
            block.Slice(offset, n).CopyTo(destination);
            address += (ulong)n;
            destination = destination[n..];
        }

        var whole = destination.Length & ~(BlockSize - 1);
        if (whole > 0)
        {
            key.Decrypt(address, Memory.GetReadableSpan(address, whole), destination[..whole]);
            address += (ulong)whole;
            destination = destination[whole..];
        }

        if (!destination.IsEmpty)
        {
            key.Decrypt(address, Memory.GetReadableSpan(address, BlockSize), block);
            block[..destination.Length].CopyTo(destination);
        }
    }

    private void ReadModifyWriteBlock(MemoryEncryptionKey key, ulong blockAddress, int offset, ReadOnlySpan<byte> bytes)
    {
        Span<byte> block = stackalloc byte[BlockSize];
        var stored = Memory.GetWritableSpan(blockAddress, BlockSize);
        key.Decrypt(blockAddress, stored, block);
        bytes.CopyTo(block[offset..]);
        key.Encrypt(blockAddress, block, stored);
    }

    private void CheckRange(ulong physicalAddress, int length)
    {
        if (physicalAddress > Memory.Size || (ulong)length > Memory.Size - physicalAddress)
        {
            throw new ArgumentOutOfRangeException(nameof(physicalAddress), $"physical range 0x{physicalAddress:X}+0x{length:X} is outside memory");
        }
    }

    private void CheckAsid(int asid)
    {
        if (asid < 1 || asid > MaxAsid)
        {
            throw new ArgumentOutOfRangeException(nameof(asid), asid, $"a memory key slot is an ASID from 1 to {MaxAsid}");
        }
    }

    private static void ThrowNoKey(int asid) =>
        throw new InvalidOperationException($"no memory encryption key is installed for ASID {asid}");
}
