using SevTio.Protocols.Ghcb;
using SevTio.Protocols.Wire;
using static SevTio.Protocols.Tests.Psp.TioCodecAssert;

namespace SevTio.Protocols.Tests.Ghcb;

public class TioExitTests
{
    [Fact]
    public void GuestRequest_RegistersAsSeedSnpIssueGuestRequest()
    {
        var bytes = new byte[4096];
        var exit = new SevTioGuestRequestExit(0x1000, 0x2000, 0x10_0000, 8, 0x0028, (ulong)(TioGuestRequestParam.State | TioGuestRequestParam.Report));
        exit.Write(new GhcbPage(bytes));

        Assert.Equal(0x10_0000ul, BitConverter.ToUInt64(bytes, 0x1F8)); // RAX = data GPA
        Assert.Equal(8ul, BitConverter.ToUInt64(bytes, 0x318)); // RBX = data pages
        Assert.Equal(0x28ul, BitConverter.ToUInt64(bytes, 0x308)); // RCX = guest_rid
        Assert.Equal(9ul, BitConverter.ToUInt64(bytes, 0x310)); // RDX = param
        Assert.Equal(0x8000_0020ul, BitConverter.ToUInt64(bytes, 0x390));
        Assert.Equal(0x1000ul, BitConverter.ToUInt64(bytes, 0x398)); // EXITINFO1 = request page
        Assert.Equal(0x2000ul, BitConverter.ToUInt64(bytes, 0x3A0)); // EXITINFO2 = response page
        Assert.Equal(exit, SevTioGuestRequestExit.Read(new GhcbPage(bytes)));
    }

    [Fact]
    public void GuestRequest_InvalidLengthAnswer_ReturnsPagesInRbx()
    {
        var bytes = new byte[4096];
        new SevTioGuestRequestExit(0x1000, 0x2000, 0x10_0000, 8, 0x28, 1).Write(new GhcbPage(bytes));
        SevTioGuestRequestExit.WriteResult(new GhcbPage(bytes), new GuestRequestResult(0, VmmError.InvalidLength), pagesNeeded: 12);
        Assert.Equal(new GuestRequestResult(0, VmmError.InvalidLength), SevTioGuestRequestExit.ReadResult(new GhcbPage(bytes)));
        Assert.Equal(12ul, new GhcbPage(bytes).Get(GhcbField.Rbx));
    }

    [Fact]
    public void GuestRequest_ReadingAnotherExit_IsFormatError()
    {
        var bytes = new byte[4096];
        SevTioOpExit.Write(new GhcbPage(bytes), new TioOpExitInfo(0x28, TioOpAction.Bind));
        Rejects(bytes, b => SevTioGuestRequestExit.Read(new GhcbPage(b.ToArray())), "SwExitCode");
    }

    [Fact]
    public void GuestRequest_RegisterNotMarkedValid_IsFormatError()
    {
        var bytes = new byte[4096];
        new SevTioGuestRequestExit(0x1000, 0x2000, 0x10_0000, 8, 0x28, 1).Write(new GhcbPage(bytes));
        bytes[0x3F0 + (0x310 / 8 / 8)] &= unchecked((byte)~(1 << (0x310 / 8 % 8))); // clear RDX's valid bit
        Rejects(bytes, b => SevTioGuestRequestExit.Read(new GhcbPage(b.ToArray())), "Rdx");
    }

    [Fact]
    public void TioOp_BindReturnsTdiIdInRcx()
    {
        var bytes = new byte[4096];
        SevTioOpExit.Write(new GhcbPage(bytes), new TioOpExitInfo(0x28, TioOpAction.Bind));
        Assert.Equal(0x28ul, BitConverter.ToUInt64(bytes, 0x398));
        Assert.Equal(0ul, BitConverter.ToUInt64(bytes, 0x3A0));
        Assert.Equal(new TioOpExitInfo(0x28, TioOpAction.Bind), SevTioOpExit.Read(new GhcbPage(bytes)));

        SevTioOpExit.WriteResult(new GhcbPage(bytes), 0, tdiId: 0xABCD);
        Assert.Equal((0ul, (ulong?)0xABCD), SevTioOpExit.ReadResult(new GhcbPage(bytes)));
    }

    [Fact]
    public void TioOp_Run_HasNoTdiId()
    {
        var bytes = new byte[4096];
        SevTioOpExit.Write(new GhcbPage(bytes), new TioOpExitInfo(0x28, TioOpAction.Run));
        SevTioOpExit.WriteResult(new GhcbPage(bytes), 0x3C);
        Assert.Equal((0x3Cul, (ulong?)null), SevTioOpExit.ReadResult(new GhcbPage(bytes)));
    }

    [Fact]
    public void TioOp_ReadingAnotherExit_IsFormatError()
    {
        var bytes = new byte[4096];
        new SevTioGuestRequestExit(1, 2, 3, 4, 5, 6).Write(new GhcbPage(bytes));
        Assert.Throws<ProtocolFormatException>(() => SevTioOpExit.Read(new GhcbPage(bytes)));
    }
}
