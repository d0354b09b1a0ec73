using SevTio.Protocols.Psp;
using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;
using static SevTio.Protocols.Tests.Psp.TioCodecAssert;

namespace SevTio.Protocols.Tests.Tsm;

public class TsmTests
{
    private static readonly TsmTdiStatus Sample = new(
        TdiBindStatus.Bound, TsmTdispState.ConfigLocked, true, false, true, true, 128,
        Sha384Digest.FromBytes(Sequence(48, 0x20)), 0x0102_0304_0506_0708, TdispInterfaceId.Create(0x0311, 0x02));

    [Fact]
    public void TdiStatus_Is76PackedBytes_AtPciTsmHOffsets()
    {
        var expected = new byte[76];
        expected[0] = 0; // status BOUND
        expected[1] = 1; // state CONFIG_LOCKED
        expected[2] = 1; // all_request_redirect
        expected[3] = 0; // bind_p2p
        expected[4] = 1; // lock_msix
        expected[5] = 1; // no_fw_update
        PutU16(expected, 6, 128);
        Fill(expected, 8, 48, 0x20);
        PutU64(expected, 56, 0x0102_0304_0506_0708);
        PutU32(expected, 64, 0x0102_0311); // RID 0x0311, RSEG 2, RSEG_VALID

        var actual = new byte[76];
        Assert.Equal(76, Sample.Encode(actual));
        Assert.Equal(expected, actual);
        Assert.Equal(Sample, TsmTdiStatus.Decode(expected));
        Assert.Equal(TsmTdiStatus.Size, expected.Length);
    }

    [Theory]
    [InlineData(0, 3, "status")]
    [InlineData(1, 4, "state")]
    [InlineData(3, 2, "bind_p2p")]
    [InlineData(6, 65, "cache_line_size")]
    [InlineData(67, 0x02, "function_id")] // FUNCTION_ID bit 25
    [InlineData(70, 1, "id.reserved")]
    public void TdiStatus_BadField_IsFormatError(int offset, byte value, string field)
    {
        var bytes = new byte[76];
        Sample.Encode(bytes);
        bytes[offset] = offset == 67 ? (byte)(bytes[67] | value) : value;
        Rejects(bytes, b => TsmTdiStatus.Decode(b), field);
    }

    [Fact]
    public void TdiStatus_TruncationsTrailingAndFuzz_OnlyFormatErrors()
    {
        var bytes = new byte[76];
        Sample.Encode(bytes);
        EveryTruncationThrows(bytes, b => TsmTdiStatus.Decode(b));
        Assert.Throws<ProtocolFormatException>(() => TsmTdiStatus.Decode(bytes.Append((byte)0).ToArray()));
        FuzzOnlyFormatErrorsEscape(801, 3000, bytes, 100, b => TsmTdiStatus.Decode(b));
    }

    [Fact]
    public void TdiStatus_LockFlagsFollowTheBytes() =>
        Assert.Equal(TdispLockFlags.AllRequestRedirect | TdispLockFlags.LockMsix | TdispLockFlags.NoFirmwareUpdate | TdispLockFlags.CacheLineSize128, Sample.LockFlags);

    [Fact]
    public void InterfaceId_FunctionIdBits()
    {
        var id = TdispInterfaceId.Create(0xABCD, 0x7E);
        Assert.Equal(0x017E_ABCDu, id.FunctionId);
        Assert.Equal((ushort)0xABCD, id.RequesterId);
        Assert.Equal((byte)0x7E, id.Segment);
        Assert.True(id.SegmentValid);
        Assert.False(TdispInterfaceId.Create(0x0010).SegmentValid);
        Assert.Equal(12, TdispInterfaceId.Size);
    }

    [Fact]
    public void Constants_AreTheLinuxValues()
    {
        Assert.Equal(10, TsmConstants.IoResourceDescriptorEncrypted);
        Assert.Equal(32, TsmConstants.MeasurementNonceLength);
        Assert.Equal(0, (int)TsmTdispState.ConfigUnlocked);
        Assert.Equal(1, (int)TsmTdispState.ConfigLocked);
        Assert.Equal(2, (int)TsmTdispState.Run);
        Assert.Equal(3, (int)TsmTdispState.Error);
        Assert.Equal(0, (int)TdiBindStatus.Bound);
        Assert.Equal(1, (int)TdiBindStatus.Invalid);
        Assert.Equal(2, (int)TdiBindStatus.Unbound);
        Assert.Equal(0x1Fu, (uint)(TdispLockFlags.NoFirmwareUpdate | TdispLockFlags.CacheLineSize128 | TdispLockFlags.LockMsix | TdispLockFlags.BindP2p | TdispLockFlags.AllRequestRedirect));
    }
}
