using SevTio.Firmware.Psp.Mailbox;
using SevTio.Hw.Rmp;
using SevTio.Protocols.Psp;

namespace SevTio.Firmware.Tests.Psp;

/// <summary>
/// The mailbox, TIO_STATUS/TIO_INIT, malformed command buffers, and the SNP commands behind guest launch: each
/// success and each error code, with expected values from the SNP/SEV-TIO layouts and return-code table.
/// </summary>
public sealed class PspPlatformCommandTests
{
    [Fact]
    public void Mailbox_CommandResponseRegister_CarriesStatusAndResponseBit()
    {
        using var bench = new PspBench();
        bench.Platform.Memory.Write(bench.CommandPage, new byte[16]);

        bench.Mailbox.Write(PspMailbox.BufferAddressLowOffset, (uint)bench.CommandPage);
        bench.Mailbox.Write(PspMailbox.BufferAddressHighOffset, 0);
        bench.Mailbox.Write(PspMailbox.CommandResponseOffset, (uint)PspCommandId.TioInit << 16);

        // Linux: SEV_CMDRESP_RESP is bit 31, the status the low 16 bits; a zeroed buffer has length 0 → INVALID_LENGTH.
        var response = bench.Mailbox.Read(PspMailbox.CommandResponseOffset);
        Assert.Equal(1u << 31, response & (1u << 31));
        Assert.Equal((uint)PspReturnCode.InvalidLength, response & 0xFFFF);
    }

    [Fact]
    public void TioStatus_BeforeAndAfterInit_ReportsEnabledThenInitDoneWithSizes()
    {
        using var bench = new PspBench();

        Assert.Equal(PspReturnCode.Success, bench.Run(new TioStatusCommand(bench.DataPage)));
        var before = TioStatus.Decode(bench.ReadBuffer(ScatterListAddress.FromPhysicalAddress(bench.DataPage)).AsSpan(0, TioStatus.Size));
        Assert.True(before.TioEnabled);
        Assert.False(before.TioInitDone);

        Assert.Equal(PspReturnCode.Success, bench.Run(default(TioInitCommand)));
        Assert.Equal(PspReturnCode.Success, bench.Run(new TioStatusCommand(bench.DataPage)));
        var after = TioStatus.Decode(bench.ReadBuffer(ScatterListAddress.FromPhysicalAddress(bench.DataPage)).AsSpan(0, TioStatus.Size));
        Assert.True(after.TioInitDone);
        Assert.Equal(2u * 4096, after.DeviceContextSize);
        Assert.Equal(4096u, after.TdiContextSize);
        Assert.Equal(4096u, after.SpdmOutputSizeMin);
    }

    [Fact]
    public void TioInit_Twice_InvalidPlatformState()
    {
        using var bench = new PspBench();
        bench.Init();

        Assert.Equal(PspReturnCode.InvalidPlatformState, bench.Run(default(TioInitCommand)));
    }

    [Fact]
    public void TioCommand_BeforeInit_InvalidPlatformState()
    {
        using var bench = new PspBench();

        Assert.Equal(PspReturnCode.InvalidPlatformState, bench.CreateDevice());
    }

    [Fact]
    public void TioStatus_StatusPageNotFirmwareOwned_InvalidPageState()
    {
        using var bench = new PspBench();

        Assert.Equal(PspReturnCode.InvalidPageState, bench.Run(new TioStatusCommand(bench.Page())));
    }

    [Fact]
    public void TioStatus_UnalignedStatusAddress_InvalidAddress()
    {
        using var bench = new PspBench();

        Assert.Equal(PspReturnCode.InvalidAddress, bench.Run(new TioStatusCommand(bench.DataPage + 64)));
    }

    [Fact]
    public void UnknownCommand_InvalidCommand()
    {
        using var bench = new PspBench();

        Assert.Equal(PspReturnCode.InvalidCommand, bench.Issue(0xD9, new byte[16]));
    }

    [Fact]
    public void CommandBuffer_WrongLengthField_InvalidLength()
    {
        using var bench = new PspBench();
        bench.Init();
        var buffer = new byte[TioDevReclaimCommand.Size];
        new TioDevReclaimCommand(bench.Buffer(1)).Encode(buffer);
        buffer[0] = 20;

        Assert.Equal(PspReturnCode.InvalidLength, bench.Issue((uint)PspCommandId.TioDevReclaim, buffer));
    }

    [Fact]
    public void CommandBuffer_ReservedBitsSet_InvalidParam()
    {
        using var bench = new PspBench();
        bench.Init();
        var buffer = new byte[TioDevCreateCommand.Size];
        new TioDevCreateCommand(bench.Buffer(2), 0x0100, 1, 0).Encode(buffer);
        buffer[31] = 1;

        Assert.Equal(PspReturnCode.InvalidParam, bench.Issue((uint)PspCommandId.TioDevCreate, buffer));
    }

    [Fact]
    public void SnpLaunch_SecretsPage_HoldsFourDistinctVmpcksOnlyTheGuestCanRead()
    {
        using var bench = new PspBench();

        var guest = bench.LaunchGuest(asid: 3);

        var entry = bench.Platform.Rmp.ReadEntry(guest.SecretsPage);
        Assert.True(entry.Validated && entry.Asid == 3);
        var plain = new byte[4096];
        bench.Platform.Controller.ReadPrivate(3, guest.SecretsPage, plain);
        Assert.Equal(SnpSecretsPage.Version, BitConverter.ToUInt32(plain));
        var keys = Enumerable.Range(0, 4).Select(i => Convert.ToHexString(plain, SnpSecretsPage.VmpckOffset(i), 32)).ToArray();
        Assert.Equal(4, keys.Distinct().Count());

        // The host sees the page's ciphertext, not the keys.
        var raw = new byte[4096];
        bench.Platform.Memory.Read(guest.SecretsPage, raw);
        Assert.Equal(-1, raw.AsSpan().IndexOf(guest.Vmpck0));
    }

    [Fact]
    public void SnpGctxCreate_PageNotFirmwareOwned_InvalidPageState()
    {
        using var bench = new PspBench();

        Assert.Equal(PspReturnCode.InvalidPageState, bench.Snp(SnpCommandId.SnpGctxCreate, PspBench.Address(bench.Page())));
    }

    [Fact]
    public void SnpGctxCreate_SamePageTwice_InUse()
    {
        using var bench = new PspBench();
        var page = bench.FirmwarePage();
        Assert.Equal(PspReturnCode.Success, bench.Snp(SnpCommandId.SnpGctxCreate, PspBench.Address(page)));

        Assert.Equal(PspReturnCode.InUse, bench.Snp(SnpCommandId.SnpGctxCreate, PspBench.Address(page)));
    }

    [Theory]
    [InlineData(0u, PspReturnCode.InvalidAsid)]
    [InlineData(1024u, PspReturnCode.InvalidAsid)]
    [InlineData(7u, PspReturnCode.AsidOwned)]
    public void SnpActivate_BadOrTakenAsid_Refused(uint asid, PspReturnCode expected)
    {
        using var bench = new PspBench();
        bench.LaunchGuest(asid: 7);
        var gctx = bench.FirmwarePage();
        Assert.Equal(PspReturnCode.Success, bench.Snp(SnpCommandId.SnpGctxCreate, PspBench.Address(gctx)));

        Assert.Equal(expected, bench.Snp(SnpCommandId.SnpActivate, PspBench.Activate(gctx, asid)));
    }

    [Fact]
    public void SnpActivate_Twice_InvalidGuestState_UnknownContext_InvalidGuest()
    {
        using var bench = new PspBench();
        var guest = bench.LaunchGuest(asid: 7);

        Assert.Equal(PspReturnCode.InvalidGuestState, bench.Snp(SnpCommandId.SnpActivate, PspBench.Activate(guest.Address, 8)));
        Assert.Equal(PspReturnCode.InvalidGuest, bench.Snp(SnpCommandId.SnpActivate, PspBench.Activate(bench.FirmwarePage(), 8)));
    }

    [Fact]
    public void SnpLaunchUpdate_PageNotAssignedToTheGuest_InvalidPageState()
    {
        using var bench = new PspBench();
        var guest = bench.LaunchGuest(asid: 4);

        Assert.Equal(PspReturnCode.InvalidPageState, bench.Snp(SnpCommandId.SnpLaunchUpdate, PspBench.LaunchUpdate(guest.Address, SnpPageType.Zero, bench.Page())));
    }

    [Fact]
    public void SnpLaunchUpdate_ZeroPage_ValidatedAndReadsZeroToTheGuest()
    {
        using var bench = new PspBench();
        var guest = bench.LaunchGuest(asid: 4);
        var page = bench.Page();
        bench.Platform.Memory.Write(page, new byte[] { 1, 2, 3 });
        Assert.Equal(RmpStatus.Success, bench.Platform.Rmp.RmpUpdate(page, RmpUpdateState.Guest(4, 0x8000)));

        Assert.Equal(PspReturnCode.Success, bench.Snp(SnpCommandId.SnpLaunchUpdate, PspBench.LaunchUpdate(guest.Address, SnpPageType.Zero, page)));

        Assert.True(bench.Platform.Rmp.ReadEntry(page).Validated);
        var plain = new byte[4096];
        bench.Platform.Controller.ReadPrivate(4, page, plain);
        Assert.DoesNotContain(plain, b => b != 0);
    }

    [Fact]
    public void SnpPageReclaim_HeldContextPage_InUse_FreePage_BackToHypervisor()
    {
        using var bench = new PspBench();
        var guest = bench.LaunchGuest(asid: 5);
        var spare = bench.FirmwarePage();

        Assert.Equal(PspReturnCode.InUse, bench.Snp(SnpCommandId.SnpPageReclaim, PspBench.Address(guest.Address)));
        Assert.Equal(PspReturnCode.InvalidPageSize, bench.Snp(SnpCommandId.SnpPageReclaim, PspBench.Address(spare | 1)));
        Assert.Equal(PspReturnCode.Success, bench.Snp(SnpCommandId.SnpPageReclaim, PspBench.Address(spare)));
        Assert.Equal(RmpOwner.Hypervisor, bench.Platform.Rmp.ReadEntry(spare).Owner);
        Assert.Equal(PspReturnCode.InvalidPageState, bench.Snp(SnpCommandId.SnpPageReclaim, PspBench.Address(spare)));
    }

    [Fact]
    public void SnpDecommission_RemovesTheKeyAndFreesTheContext()
    {
        using var bench = new PspBench();
        var guest = bench.LaunchGuest(asid: 6);

        Assert.Equal(PspReturnCode.Success, bench.Snp(SnpCommandId.SnpDecommission, PspBench.Address(guest.Address)));

        Assert.False(bench.Platform.Controller.HasKey(6));
        Assert.Equal(PspReturnCode.InvalidGuest, bench.Snp(SnpCommandId.SnpDecommission, PspBench.Address(guest.Address)));
        Assert.Equal(PspReturnCode.Success, bench.Snp(SnpCommandId.SnpPageReclaim, PspBench.Address(guest.Address)));
    }
}
