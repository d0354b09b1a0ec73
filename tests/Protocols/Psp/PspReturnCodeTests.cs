using SevTio.Protocols.Psp;

namespace SevTio.Protocols.Tests.Psp;

public class PspReturnCodeTests
{
    // Values typed in from Linux include/uapi/linux/psp-sev.h (sev_ret_code) and sev-tio-stack.md §2.1.
    [Theory]
    [InlineData(PspReturnCode.Success, 0x00)]
    [InlineData(PspReturnCode.InvalidLength, 0x04)]
    [InlineData(PspReturnCode.InvalidAddress, 0x09)]
    [InlineData(PspReturnCode.InvalidAsid, 0x0D)]
    [InlineData(PspReturnCode.InvalidCommand, 0x11)]
    [InlineData(PspReturnCode.InvalidParam, 0x16)]
    [InlineData(PspReturnCode.InvalidPageSize, 0x19)]
    [InlineData(PspReturnCode.InvalidPageState, 0x1A)]
    [InlineData(PspReturnCode.InvalidPageOwner, 0x1C)]
    [InlineData(PspReturnCode.AeadOverflow, 0x1D)]
    [InlineData(PspReturnCode.ExitRingBuffer, 0x1F)]
    [InlineData(PspReturnCode.InvalidKey, 0x27)]
    [InlineData(PspReturnCode.ShutdownIncomplete, 0x28)]
    [InlineData(PspReturnCode.IncorrectBufferLength, 0x30)]
    [InlineData(PspReturnCode.ExpandBufferLengthRequest, 0x31)]
    [InlineData(PspReturnCode.SpdmRequest, 0x32)]
    [InlineData(PspReturnCode.SpdmError, 0x33)]
    [InlineData(PspReturnCode.ErrorInDeviceConnection, 0x35)]
    [InlineData(PspReturnCode.InvalidDeviceContext, 0x36)]
    [InlineData(PspReturnCode.InvalidTdiContext, 0x37)]
    [InlineData(PspReturnCode.InvalidTdi, 0x38)]
    [InlineData(PspReturnCode.ReclaimRequired, 0x39)]
    [InlineData(PspReturnCode.InUse, 0x3A)]
    [InlineData(PspReturnCode.InvalidDeviceState, 0x3B)]
    [InlineData(PspReturnCode.InvalidTdiState, 0x3C)]
    [InlineData(PspReturnCode.DeviceCertificateChanged, 0x3D)]
    [InlineData(PspReturnCode.ResyncRequired, 0x3E)]
    [InlineData(PspReturnCode.ResponseTooLarge, 0x3F)]
    public void Value_IsTheUapiValue(PspReturnCode code, uint expected) => Assert.Equal(expected, (uint)code);

    [Fact]
    public void ClassicCodes_AreContiguousUpTo0x1D()
    {
        for (uint v = 0; v <= 0x1D; v++)
        {
            Assert.True(Enum.IsDefined((PspReturnCode)v), $"0x{v:X2}");
        }
    }

    [Theory]
    [InlineData(0x1Eu)]
    [InlineData(0x29u)]
    [InlineData(0x2Fu)]
    [InlineData(0x34u)]
    public void UnassignedValues_AreNotNamed(uint value) => Assert.False(Enum.IsDefined((PspReturnCode)value));

    [Theory]
    [InlineData(PspCommandId.TioStatus, 0xD0)]
    [InlineData(PspCommandId.TioDevCertificates, 0xD8)]
    [InlineData(PspCommandId.TioTdiCreate, 0xDA)]
    [InlineData(PspCommandId.TioGuestRequest, 0xE0)]
    [InlineData(PspCommandId.TioRollKey, 0xE4)]
    public void CommandId_IsThePspSevValue(PspCommandId id, uint expected) => Assert.Equal(expected, (uint)id);

    [Fact]
    public void CommandIds_Span0xD0To0xE4Without0xD9()
    {
        var expected = Enumerable.Range(0xD0, 0xE4 - 0xD0 + 1).Where(v => v != 0xD9).Select(v => (uint)v);
        Assert.Equal(expected, Enum.GetValues<PspCommandId>().Select(v => (uint)v).Order());
    }
}
