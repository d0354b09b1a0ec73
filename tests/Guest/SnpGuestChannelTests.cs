using System.Security.Cryptography;
using SevTio.Guest.Messaging;
using SevTio.Guest.Tests.Fakes;
using SevTio.Protocols.Ghcb;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Tsm;

namespace SevTio.Guest.Tests;

/// <summary>
/// The SNP guest-message layer: what crosses shared memory is sealed under the VMPCK with the header as AAD and the
/// sequence number as IV (checked here with the BCL's AES-GCM, independently of the guest's engine), sequence numbers
/// advance by two per exchange, and any failed exchange disables the key.
/// </summary>
public sealed class SnpGuestChannelTests
{
    private static Errno TdiInfo(GuestFixture f, out TdiInfoResponse response, SnpRequestData? data = null) =>
        f.Kernel.Messages.Send<TdiInfoRequest, TdiInfoResponse>(
            new TdiInfoRequest(GuestTestPlatform.DeviceAddress.RequesterId),
            TioMessageVersion.V1,
            data ?? new SnpRequestData { GuestRid = GuestTestPlatform.DeviceAddress.RequesterId, Param = (ulong)TioGuestRequestParam.State },
            out response);

    [Fact]
    public void Send_SealsUnderTheVmpck_HeaderIsAad_SequenceIsIv()
    {
        using var f = new GuestFixture();
        Assert.Equal(Errno.None, TdiInfo(f, out var response));
        Assert.Equal(TdiBindStatus.Unbound, response.Status);

        // What the host saw in the shared request page: header in clear, payload sealed.
        var page = f.Platform.HostRead(f.Kernel.Messages.RequestPageGpa, 4096);
        var header = SnpGuestMessageHeader.Decode(page);
        Assert.Equal(1ul, header.SequenceNumber);
        Assert.Equal(SnpGuestMessageType.TioTdiInfoRequest, header.MessageType);
        Assert.Equal(TdiInfoRequest.Size, header.MessageSize);
        var expected = new byte[TdiInfoRequest.Size];
        new TdiInfoRequest(GuestTestPlatform.DeviceAddress.RequesterId).Encode(expected, TioMessageVersion.V1);
        var ciphertext = page.AsSpan(96, TdiInfoRequest.Size);
        Assert.False(ciphertext.SequenceEqual(expected));

        using var gcm = new AesGcm(f.Platform.Vmpck, 16);
        var iv = new byte[12];
        BitConverter.TryWriteBytes(iv, 1ul);
        var plaintext = new byte[TdiInfoRequest.Size];
        gcm.Decrypt(iv, ciphertext, page.AsSpan(0, 16), plaintext, page.AsSpan(48, 48));
        Assert.Equal(expected, plaintext);
        Assert.Equal(new byte[16], page[16..32]); // authtag[16..32] stays zero
    }

    [Fact]
    public void Send_SequenceAdvancesByTwo_ResponseCarriesRequestPlusOne()
    {
        using var f = new GuestFixture();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(Errno.None, TdiInfo(f, out _));
            var response = SnpGuestMessageHeader.Decode(f.Platform.HostRead(f.Kernel.Messages.ResponsePageGpa, 4096));
            Assert.Equal((ulong)(2 * i) + 2, response.SequenceNumber);
        }

        Assert.Equal(6u, f.Kernel.Messages.SequenceCounter);
        Assert.Equal(7ul, f.Psp.ExpectedSequence);
    }

    [Fact]
    public void Send_PspRefusesAnOutOfStepSequence_EioAndTheKeyIsDisabled()
    {
        using var f = new GuestFixture();
        var platform = f.Platform.GuestPlatform with { Secrets = new GuestSecrets(f.Platform.Vmpck, 0) { SequenceCounter = 10 } };
        using var kernel = GuestKernel.Boot(new Hw.Cpu.GuestVcpu(GuestTestPlatform.Asid, f.Platform.GuestView, f.Platform.Scheduler)
        {
            Hypervisor = f.Hypervisor,
            HypervisorFeatures = f.Platform.Vcpu.HypervisorFeatures,
        }, platform, new GuestKernelOptions { SwiotlbSize = 1UL << 20 });
        var data = new SnpRequestData { GuestRid = 0x100 };

        var error = kernel.Messages.Send<TdiInfoRequest, TdiInfoResponse>(new TdiInfoRequest(0x100), TioMessageVersion.V1, data, out _);

        Assert.Equal(Errno.EIO, error);
        Assert.Equal((uint)PspReturnCode.InvalidParam, data.FirmwareError);
        Assert.True(kernel.Messages.IsDisabled);
        Assert.Equal(12u, kernel.Messages.SequenceCounter); // spent, never reused
        Assert.Equal(Errno.ENOTTY, kernel.Messages.Send<TdiInfoRequest, TdiInfoResponse>(new TdiInfoRequest(0x100), TioMessageVersion.V1, data, out _));
    }

    [Fact]
    public void Send_ReplayedResponse_Ebadmsg_AndNothingDecrypted()
    {
        using var f = new GuestFixture();
        Assert.Equal(Errno.None, TdiInfo(f, out _));
        f.Hypervisor.Misbehaviour = HostMisbehaviour.ReplayResponse;

        Assert.Equal(Errno.EBADMSG, TdiInfo(f, out var response));

        Assert.Equal(default, response);
        Assert.True(f.Kernel.Messages.IsDisabled);
    }

    [Fact]
    public void Send_TamperedResponse_Ebadmsg()
    {
        using var f = new GuestFixture();
        f.Hypervisor.Misbehaviour = HostMisbehaviour.TamperResponse;
        Assert.Equal(Errno.EBADMSG, TdiInfo(f, out _));
        Assert.Equal(Errno.ENOTTY, TdiInfo(f, out _));
    }

    [Fact]
    public void Channel_ZeroVmpck_IsDisabledFromTheStart()
    {
        using var f = new GuestFixture();
        using var channel = new SnpGuestChannel(f.Kernel.Ghcb, new byte[32], 0, GuestTestPlatform.SharedGpa + 0x8000, GuestTestPlatform.SharedGpa + 0x9000, f.Kernel.SharedPages, f.Kernel.Timing, f.Kernel.Accounting);
        Assert.True(channel.IsDisabled);
        Assert.Equal(Errno.ENOTTY, channel.Send<TdiInfoRequest, TdiInfoResponse>(new TdiInfoRequest(1), TioMessageVersion.V1, new SnpRequestData(), out _));
    }

    [Fact]
    public void Send_SequenceExhausted_Eio_WithoutAnExit()
    {
        using var f = new GuestFixture();
        using var channel = new SnpGuestChannel(f.Kernel.Ghcb, f.Platform.Vmpck, 0, GuestTestPlatform.SharedGpa + 0x8000, GuestTestPlatform.SharedGpa + 0x9000, f.Kernel.SharedPages, f.Kernel.Timing, f.Kernel.Accounting, uint.MaxValue - 1);
        var exits = f.Platform.Vcpu.Exits;
        Assert.Equal(Errno.EIO, channel.Send<TdiInfoRequest, TdiInfoResponse>(new TdiInfoRequest(1), TioMessageVersion.V1, new SnpRequestData(), out _));
        Assert.Equal(exits, f.Platform.Vcpu.Exits);
    }

    [Fact]
    public void Send_ChargesCryptoTimeAndTwoWorldSwitches()
    {
        using var f = new GuestFixture();
        var start = f.Platform.Scheduler.Now;
        Assert.Equal(Errno.None, TdiInfo(f, out _));
        var crypto = f.Kernel.Timing.MessageCryptoCost(TdiInfoRequest.Size) + f.Kernel.Timing.MessageCryptoCost(TdiInfoResponse.Size);
        Assert.Equal(crypto, f.Kernel.Accounting.MessageCryptoTime);
        Assert.True(f.Platform.Scheduler.Now - start >= crypto + (2 * f.Platform.Vcpu.WorldSwitchCost) + f.Psp.RequestCost);
    }
}
