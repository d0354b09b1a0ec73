using SevTio.Hw.Crypto;
using SevTio.Hw.Memory;

namespace SevTio.Hw.Tests.Memory;

public sealed class MemoryControllerTests : IDisposable
{
    private static readonly byte[] DataKey = Convert.FromHexString("000102030405060708090A0B0C0D0E0F");
    private static readonly byte[] TweakKey = Convert.FromHexString("F0E0D0C0B0A090807060504030201000");

    private readonly PhysicalMemory _memory = new(64UL << 20);
    private readonly MemoryController _controller;

    public MemoryControllerTests()
    {
        _controller = new MemoryController(_memory, new MemoryTiming(), new Random(1));
    }

    public void Dispose() => _controller.Dispose();

    [Fact]
    public void WritePrivate_PageAligned_StoresIndependentXexCiphertext()
    {
        _controller.InstallKey(5, DataKey, TweakKey);
        var plaintext = Pattern(4096, 3);
        const ulong address = 0x0123_4000;

        _controller.WritePrivate(5, address, plaintext);

        var raw = new byte[4096];
        _controller.ReadRaw(address, raw);
        Assert.Equal(XexReference.Encrypt(DataKey, TweakKey, address, plaintext), raw);
    }

    [Fact]
    public void ReadPrivate_Owner_GetsPlaintext_HostAndOtherGuestGetSomethingElse()
    {
        _controller.InstallKey(5, DataKey, TweakKey);
        _controller.InstallKey(6);
        var plaintext = Pattern(8192, 9);
        const ulong address = 0x0040_0000;
        _controller.WritePrivate(5, address, plaintext);

        var owner = new byte[plaintext.Length];
        var host = new byte[plaintext.Length];
        var other = new byte[plaintext.Length];
        _controller.ReadPrivate(5, address, owner);
        _controller.ReadRaw(address, host);
        _controller.ReadPrivate(6, address, other);

        Assert.Equal(plaintext, owner);
        Assert.NotEqual(plaintext, host);
        Assert.NotEqual(plaintext, other);
        Assert.Equal(XexReference.Encrypt(DataKey, TweakKey, address, plaintext), host);
    }

    [Fact]
    public void WritePrivate_SamePlaintextAtTwoAddresses_GivesDifferentCiphertext()
    {
        _controller.InstallKey(5, DataKey, TweakKey);
        var block = Pattern(64, 1);
        _controller.WritePrivate(5, 0x1000, block);
        _controller.WritePrivate(5, 0x2000, block);
        var a = new byte[64];
        var b = new byte[64];
        _controller.ReadRaw(0x1000, a);
        _controller.ReadRaw(0x2000, b);
        Assert.NotEqual(a, b);
    }

    [Theory]
    [InlineData(0x5000UL, 1)]
    [InlineData(0x5007UL, 5)]
    [InlineData(0x500FUL, 2)] // straddles two blocks
    [InlineData(0x5003UL, 100)] // partial head, whole blocks, partial tail
    [InlineData(0x5FF9UL, 30)] // crosses a page
    public void WritePrivate_UnalignedOrShort_ReadModifyWritesAndKeepsNeighbours(ulong address, int length)
    {
        _controller.InstallKey(5, DataKey, TweakKey);
        var background = Pattern(3 * 4096, 11);
        _controller.WritePrivate(5, 0x4000, background);
        var patch = Pattern(length, 77);

        _controller.WritePrivate(5, address, patch);

        var expected = (byte[])background.Clone();
        patch.CopyTo(expected, (int)(address - 0x4000));
        var back = new byte[expected.Length];
        _controller.ReadPrivate(5, 0x4000, back);
        Assert.Equal(expected, back);

        // And the stored bytes are exactly the XEX ciphertext of the merged plaintext.
        var raw = new byte[expected.Length];
        _controller.ReadRaw(0x4000, raw);
        Assert.Equal(XexReference.Encrypt(DataKey, TweakKey, 0x4000, expected), raw);
    }

    [Theory]
    [InlineData(0x7001UL, 3)]
    [InlineData(0x7010UL, 16)]
    [InlineData(0x70F1UL, 47)]
    public void ReadPrivate_Unaligned_ReturnsTheRightBytes(ulong address, int length)
    {
        _controller.InstallKey(5, DataKey, TweakKey);
        var page = Pattern(4096, 21);
        _controller.WritePrivate(5, 0x7000, page);
        var back = new byte[length];
        _controller.ReadPrivate(5, address, back);
        Assert.Equal(page.AsSpan((int)(address - 0x7000), length).ToArray(), back);
    }

    [Fact]
    public void Aes256_StoresIndependentXexCiphertext()
    {
        using var controller = new MemoryController(_memory, new MemoryTiming(), new Random(1), keySizeBits: 256);
        var dataKey = Pattern(32, 100);
        var tweakKey = Pattern(32, 200);
        var key = controller.InstallKey(9, dataKey, tweakKey);
        var plaintext = Pattern(512, 5);

        controller.WritePrivate(9, 0x0030_0200, plaintext);

        Assert.Equal(256, key.KeySizeBits);
        var raw = new byte[512];
        controller.ReadRaw(0x0030_0200, raw);
        Assert.Equal(XexReference.Encrypt(dataKey, tweakKey, 0x0030_0200, plaintext), raw);
    }

    [Fact]
    public void InstallKey_SameSeed_SameKeys_OtherSeed_OtherKeys()
    {
        var plaintext = Pattern(64, 1);
        byte[] Cipher(int seed)
        {
            var memory = new PhysicalMemory(2UL << 20);
            using var controller = new MemoryController(memory, new MemoryTiming(), new Random(seed));
            controller.InstallKey(1);
            controller.InstallKey(2);
            controller.WritePrivate(2, 0x100, plaintext);
            var raw = new byte[64];
            controller.ReadRaw(0x100, raw);
            return raw;
        }

        Assert.Equal(Cipher(42), Cipher(42));
        Assert.NotEqual(Cipher(42), Cipher(43));
    }

    [Fact]
    public void FusedDestination_WritableSpanOfAPage_IsReadBackAsPlaintextByTheOwner()
    {
        // The root port's fused path: IDE CTR decryption and memory encryption straight into the page.
        var memoryKey = _controller.InstallKey(5, DataKey, TweakKey);
        var ideKey = Pattern(32, 9);
        var nonce = Pattern(12, 4);
        var plaintext = Pattern(256, 33);
        using var ide = new AesGcm256(ideKey);
        var ideCiphertext = new byte[256];
        var tag = new byte[16];
        using (var bcl = new System.Security.Cryptography.AesGcm(ideKey, 16))
        {
            bcl.Encrypt(nonce, plaintext, ideCiphertext, tag);
        }

        const ulong address = 0x0050_0100;
        FusedCrypto.DecryptToEncryptedMemory(ide, nonce, 0, ideCiphertext, memoryKey, address, _controller.GetWritableSpan(address, 256));

        var back = new byte[256];
        _controller.ReadPrivate(5, address, back);
        Assert.Equal(plaintext, back);
    }

    [Fact]
    public void WritePrivate_NoKeyForAsid_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => _controller.WritePrivate(7, 0, new byte[16]));
        Assert.Equal(0, _memory.TouchedPages);
    }

    [Fact]
    public void Write_KeyAsidZero_IsARawWrite()
    {
        var data = Pattern(40, 2);
        _controller.Write(0, 0x900, data);
        var raw = new byte[40];
        _controller.ReadRaw(0x900, raw);
        Assert.Equal(data, raw);
    }

    [Fact]
    public void Constructor_BadKeySize_NamesTheKey()
    {
        var e = Assert.Throws<SevTio.Hw.Simulation.ParameterException>(() => new MemoryController(_memory, new MemoryTiming(), new Random(1), keySizeBits: 192));
        Assert.Equal("memory.key_bits", e.Key);
    }

    internal static byte[] Pattern(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }
}
