using SevTio.Protocols.Psp;
using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;
using static SevTio.Protocols.Tests.Psp.TioCodecAssert;

namespace SevTio.Protocols.Tests.Psp;

public class PspOutputStructureTests
{
    private static readonly TioSpdmAlgorithms Algos = new(TioDheAlgorithm.Secp384r1, TioAeadAlgorithm.Aes256Gcm, TioAsymAlgorithm.EcdsaP384, TioHashAlgorithm.Sha384, TioKeySchedule.Spdm);

    // byte0 DHE=1, byte1 AEAD=1, byte2 asym=2, byte3 hash=1, byte4 key schedule=0 (sev-tio-stack.md §2.3).
    private const ulong AlgosRaw = 0x0000_0000_0102_0101;

    [Fact]
    public void Sizes_AreTheReferenceSizes()
    {
        Assert.Equal(64, TioStatus.Size);
        Assert.Equal(160, TioDeviceStatus.Size);
        Assert.Equal(16, TioTdiStatus.Size);
        Assert.Equal(192, TioTdiInfo.Size);
        Assert.Equal(8, AsidFenceStatus.Size);
        Assert.Equal(8, TioSpdmAlgorithms.Size);
    }

    [Fact]
    public void SpdmAlgorithms_PackOneBytePerAlgorithm() => Assert.Equal(AlgosRaw, Algos.ToUInt64());

    [Fact]
    public void TioStatus_EncodesAtLinuxOffsets()
    {
        var status = new TioStatus(TioStatusFlags.TioEnabled | TioStatusFlags.TioInitDone, 0x1000, 0x2000, 0x3000, 0x4000, 0x5000, 0x6000, 0x7000, 0x8000, 0x9000, 0xA000, 0xB);
        var expected = new byte[64];
        PutU32(expected, 0, 64);
        PutU32(expected, 4, 3);
        for (var i = 0; i < 10; i++)
        {
            PutU32(expected, 8 + (4 * i), (uint)(0x1000 * (i + 1)));
        }

        PutU32(expected, 48, 0xB);
        AssertEncodes(status, expected);
        Assert.True(status.TioEnabled && status.TioInitDone);
    }

    [Fact]
    public void TioStatus_ReservedFlagBit_IsFormatError()
    {
        var bytes = Encode(new TioStatus(TioStatusFlags.TioEnabled, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
        bytes[4] |= 0x04;
        Rejects(bytes, b => TioStatus.Decode(b), "flags");
    }

    [Fact]
    public void TioDeviceStatus_EncodesAtLinuxOffsets()
    {
        var status = new TioDeviceStatus(
            0x02, TioDeviceStatusP1Flags.RequestPending, 0x01, 0x0310, 0x05, 0x01, 0x00DC, TdispInterfaceId.Create(0x0311),
            TioDeviceStatusP2Flags.MeasurementDigestValid | TioDeviceStatusP2Flags.NoFirmwareUpdate,
            IdeStreamIds.FromBytes([3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
            Sha384Digest.FromBytes(Sequence(48, 0x40)), Sha384Digest.FromBytes(Sequence(48, 0x90)), 4, 1, Algos);
        var expected = new byte[160];
        PutU32(expected, 0, 160);
        expected[4] = 0x02;
        expected[6] = 0x01;
        expected[7] = 0x01;
        PutU16(expected, 8, 0x0310);
        expected[10] = 0x05;
        expected[11] = 0x01;
        PutU16(expected, 12, 0x00DC);
        PutU32(expected, 16, 0x0311);
        expected[28] = 0x03;
        byte[] ids = [3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        ids.CopyTo(expected, 32);
        Fill(expected, 48, 48, 0x40);
        Fill(expected, 96, 48, 0x90);
        PutU32(expected, 144, 4);
        PutU32(expected, 148, 1);
        PutU64(expected, 152, AlgosRaw);
        AssertEncodes(status, expected);
    }

    [Fact]
    public void TioTdiStatus_EncodesAtLinuxOffsets()
    {
        var expected = new byte[16];
        PutU32(expected, 0, 16);
        expected[4] = 2;
        AssertEncodes(new TioTdiStatus(TsmTdispState.Run), expected);
    }

    [Fact]
    public void TioTdiStatus_UnknownState_IsFormatError()
    {
        var bytes = Encode(new TioTdiStatus(TsmTdispState.Error));
        bytes[4] = 4;
        Rejects(bytes, b => TioTdiStatus.Decode(b), "tdisp_state");
    }

    [Fact]
    public void TioTdiInfo_EncodesAtLinuxOffsets()
    {
        var info = new TioTdiInfo(
            TdispInterfaceId.Create(0x0311, 0), TioMeasurementFlags.DigestValid | TioMeasurementFlags.DigestFresh, 2,
            TdispLockFlags.NoFirmwareUpdate | TdispLockFlags.AllRequestRedirect, Algos,
            Sha384Digest.FromBytes(Sequence(48, 0x01)), Sha384Digest.FromBytes(Sequence(48, 0x41)), Sha384Digest.FromBytes(Sequence(48, 0x81)),
            0x0102_0304_0506_0708, 0x1F);
        var expected = new byte[192];
        PutU32(expected, 0, 192);
        PutU32(expected, 4, 0x0100_0311); // RID, RSEG 0, RSEG_VALID
        PutU32(expected, 16, 0b1011); // b0 valid, b1 fresh, b3:2 TDI status = 2
        PutU32(expected, 20, 0b1_0001);
        PutU64(expected, 24, AlgosRaw);
        Fill(expected, 32, 48, 0x01);
        Fill(expected, 80, 48, 0x41);
        Fill(expected, 128, 48, 0x81);
        PutU64(expected, 176, 0x0102_0304_0506_0708);
        PutU32(expected, 184, 0x1F);
        AssertEncodes(info, expected);
    }

    [Theory]
    [InlineData(16, 0x10u, "p1_flags")]
    [InlineData(20, 0x20u, "p2_flags")]
    public void TioTdiInfo_ReservedFlagBits_AreFormatErrors(int offset, uint bit, string field)
    {
        var bytes = Encode(SampleInfo());
        PutU32(bytes, offset, BitConverter.ToUInt32(bytes, offset) | bit);
        Rejects(bytes, b => TioTdiInfo.Decode(b), field);
    }

    [Theory]
    [InlineData(24, 2, "dhe")]
    [InlineData(25, 2, "aead")]
    [InlineData(26, 3, "asym")]
    [InlineData(27, 2, "hash")]
    [InlineData(28, 1, "key_sched")]
    [InlineData(29, 1, "spdm_algos")]
    public void TioTdiInfo_UnknownAlgorithm_IsFormatError(int offset, byte value, string field)
    {
        var bytes = Encode(SampleInfo());
        bytes[offset] = value;
        Rejects(bytes, b => TioTdiInfo.Decode(b), field);
    }

    [Theory]
    [InlineData(0x0ul, DmaFenceStatus.NotFenced, MmioFenceStatus.NotFenced)]
    [InlineData(0x1ul, DmaFenceStatus.ErrorFenced, MmioFenceStatus.NotFenced)]
    [InlineData(0x3ul, DmaFenceStatus.DefaultFenced, MmioFenceStatus.NotFenced)]
    [InlineData(0xCul, DmaFenceStatus.NotFenced, MmioFenceStatus.Fenced)]
    [InlineData(0xFul, DmaFenceStatus.DefaultFenced, MmioFenceStatus.Fenced)]
    public void AsidFenceStatus_BitsPerReference(ulong raw, DmaFenceStatus dma, MmioFenceStatus mmio)
    {
        var expected = new byte[8];
        PutU64(expected, 0, raw);
        AssertEncodes(new AsidFenceStatus(dma, mmio), expected);
    }

    [Fact]
    public void AsidFenceStatus_ReservedBit_IsFormatError()
    {
        var bytes = new byte[8];
        PutU64(bytes, 0, 0x10);
        Rejects(bytes, b => AsidFenceStatus.Decode(b), "status");
    }

    [Fact]
    public void AllOutputs_EveryTruncationAndWrongLength_AreFormatErrors()
    {
        Check(new TioStatus(TioStatusFlags.TioEnabled, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
        Check(new TioDeviceStatus(1, 0, 0, 1, 0, 1, 0, default, 0, IdeStreamIds.AllUnused(), default, default, 0, 0, Algos));
        Check(new TioTdiStatus(TsmTdispState.ConfigLocked));
        Check(SampleInfo());
        EveryTruncationThrows(Encode(new AsidFenceStatus(DmaFenceStatus.ErrorFenced, MmioFenceStatus.Fenced)), b => AsidFenceStatus.Decode(b));

        static void Check<T>(T value)
            where T : struct, IPspOutputStructure<T>
        {
            var bytes = Encode(value);
            EveryTruncationThrows(bytes, b => T.Decode(b));
            PutU32(bytes, 0, (uint)bytes.Length + 4);
            var ex = Assert.Throws<ProtocolFormatException>(() => T.Decode(bytes));
            Assert.EndsWith(".length", ex.Field, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AllOutputs_Fuzz_OnlyFormatErrors()
    {
        Fuzz(301, new TioStatus(TioStatusFlags.TioEnabled, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
        Fuzz(302, new TioDeviceStatus(1, 0, 0, 1, 0, 1, 0, default, 0, IdeStreamIds.AllUnused(), default, default, 0, 0, Algos));
        Fuzz(303, new TioTdiStatus(TsmTdispState.ConfigLocked));
        Fuzz(304, SampleInfo());
        Fuzz(305, new AsidFenceStatus(DmaFenceStatus.ErrorFenced, MmioFenceStatus.Fenced));

        static void Fuzz<T>(int seed, T value)
            where T : struct, IPspOutputStructure<T>
        {
            var bytes = Encode(value);
            FuzzOnlyFormatErrorsEscape(seed, 2000, bytes, bytes.Length + 16, b => T.Decode(b));
        }
    }

    private static TioTdiInfo SampleInfo() => new(
        TdispInterfaceId.Create(0x0311), TioMeasurementFlags.DigestValid, 0, TdispLockFlags.NoFirmwareUpdate, Algos,
        Sha384Digest.FromBytes(Sequence(48, 0x01)), default, Sha384Digest.FromBytes(Sequence(48, 0x81)), 3, 0x1F);

    private static byte[] Encode<T>(T value)
        where T : struct, IPspOutputStructure<T>
    {
        var bytes = new byte[T.EncodedSize];
        Assert.Equal(T.EncodedSize, value.Encode(bytes));
        return bytes;
    }

    private static void AssertEncodes<T>(T value, byte[] expected)
        where T : struct, IPspOutputStructure<T>
    {
        Assert.Equal(expected.Length, T.EncodedSize);
        Assert.Equal(expected, Encode(value));
        Assert.Equal(value, T.Decode(expected));
    }
}
