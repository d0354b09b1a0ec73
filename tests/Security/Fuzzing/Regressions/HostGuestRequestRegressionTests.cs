using SevTio.Guest;
using SevTio.Guest.Ghcb;
using SevTio.Protocols.Ghcb;
using SevTio.Protocols.GuestMessages;
using SevTio.Security.Tests.Fuzzing.Stateful.Support;

namespace SevTio.Security.Tests.Fuzzing.Regressions;

/// <summary>
/// Found by the host GHCB exit fuzz target: the hypervisor compared the blob size with RBX × 4096, which wraps for a
/// huge page count (2^52 × 4096 = 0), so a guest that gave "more than enough" pages was told INVALID_LEN, 1 page needed.
/// </summary>
public sealed class HostGuestRequestRegressionTests
{
    [Theory]
    [InlineData(1UL << 52)] // the fuzzer's value: the product wraps to 0
    [InlineData(ulong.MaxValue)]
    [InlineData(14UL)]
    public void TdiInfoWithBlobs_AnyPageCountThatFits_NotInvalidLength(ulong dataPages)
    {
        using var f = new PlatformFixture(PlatformStage.Bound, seed: 9);
        var result = Request(f, dataPages);

        Assert.Equal(Errno.None, result.Error);
        Assert.True(result.Result.IsSuccess, $"answered {result.Result}");
    }

    [Fact]
    public void TdiInfoWithBlobs_TooFewPages_InvalidLengthWithThePagesNeeded()
    {
        using var f = new PlatformFixture(PlatformStage.Bound, seed: 9);
        var result = Request(f, 0);

        Assert.Equal(VmmError.InvalidLength, result.Result.VmmError);
        Assert.True(result.DataPages > 0, $"INVALID_LEN with {result.DataPages} pages ({result})");
        var retry = Request(f, result.DataPages);
        Assert.True(retry.Result.IsSuccess, $"retry with {result.DataPages} pages answered {retry.Result}");
    }

    private static TioGuestRequestExitResult Request(PlatformFixture f, ulong dataPages)
    {
        var guest = f.Guest;
        var payload = new byte[TdiInfoRequest.Size];
        new TdiInfoRequest(PlatformFixture.GuestRid).Encode(payload, TioMessageVersion.V1);
        var sequence = f.Psp.Guests[guest.GuestContextAddress].NextSequence[0];
        Assert.True(guest.Memory.Write(guest.SharedBufferGpa, f.SealGuestMessage(SnpGuestMessageType.TioTdiInfoRequest, 1, payload, sequence), encrypted: false).Succeeded);
        var ghcb = new GhcbClient(guest.Vcpu, guest.GhcbGpa);
        var param = (ulong)(TioGuestRequestParam.Certificates | TioGuestRequestParam.Measurements | TioGuestRequestParam.Report);
        return ghcb.TioGuestRequest(new SevTioGuestRequestExit(guest.SharedBufferGpa, guest.SharedBufferGpa + 4096, guest.SharedBufferGpa + 8192, dataPages, PlatformFixture.GuestRid, param));
    }
}
