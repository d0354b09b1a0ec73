using SevTio.Host.Tests.Support;
using SevTio.Protocols.Ghcb;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Psp;
using SevTio.TestSupport;

namespace SevTio.Host.Tests.Tsm;

/// <summary>
/// The host never sees a key: after connect, a whole bind/run/guest-request flow and a key refresh, no IDE key the
/// device received and no VMPCK appears anywhere a host can read: any byte of physical memory (firmware pages, the
/// secrets page and the PSP's buffers included: host reads are not RMP-checked), the DOE objects it relayed, the
/// blobs it hands the guest, or the configuration space of the device and the root port.
/// </summary>
public sealed class KeyConfidentialityTests
{
    [Fact]
    public void Keys_AfterConnectFlowAndRollKey_AbsentFromEverythingTheHostCanRead()
    {
        using var bench = new HostBench();
        Assert.Equal(PspReturnCode.Success, bench.Link.Connect());
        Assert.Equal(0ul, bench.Kernel.TioOp(TioOpAction.Bind).FirmwareError);
        Assert.True(bench.Kernel.Request(new TdiInfoRequest(HostBench.GuestRid), (ulong)(TioGuestRequestParam.Report | TioGuestRequestParam.Certificates)).Result.IsSuccess);
        Assert.Equal(0ul, bench.Kernel.TioOp(TioOpAction.Run).FirmwareError);
        AssertNoKeyVisible(bench, expectedKeys: 6);

        Assert.Equal(PspReturnCode.Success, bench.Link.RollKey());

        AssertNoKeyVisible(bench, expectedKeys: 12);
    }

    private static void AssertNoKeyVisible(HostBench bench, int expectedKeys)
    {
        var secrets = bench.Device.Keys.Keys.Append(bench.Kernel.Vmpck0).ToList();
        Assert.Equal(expectedKeys + 1, secrets.Count);
        var objects = bench.Link.RelayLog.SelectMany(e => new[] { e.Request, e.Response ?? [] })
            .Append(bench.Link.Certificates!)
            .Append(bench.Link.Measurements!)
            .Append(bench.Tdi.Report!)
            .Append(ConfigSpaceBytes(bench.Device.Config))
            .Append(ConfigSpaceBytes(bench.Device.RootPortConfig))
            .ToList();
        foreach (var secret in secrets)
        {
            Assert.Empty(bench.Platform.FindInMemory(secret));
            Assert.DoesNotContain(objects, o => o.AsSpan().IndexOf(secret) >= 0);

            // Not even half of one: a key split across two places would still leak.
            Assert.Empty(bench.Platform.FindInMemory(secret.AsSpan(0, 16)));
        }
    }

    private static byte[] ConfigSpaceBytes(Hw.Pcie.ConfigSpace config)
    {
        var bytes = new byte[Hw.Pcie.ConfigSpace.Size];
        for (var offset = 0; offset < bytes.Length; offset += 4)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(offset), config.Read(offset));
        }

        return bytes;
    }
}
