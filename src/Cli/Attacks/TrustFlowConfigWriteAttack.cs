using SevTio.Cli.Attacks.Support;
using SevTio.Cli.Platform;
using SevTio.Guest;
using SevTio.Hw.Device;
using SevTio.Protocols.Tdisp;

namespace SevTio.Cli.Attacks;

/// <summary>
/// Issue 10 item 14 on the whole platform (<see cref="TioPlatform"/>): after a real lock and accept the host moves the
/// TDI's register BAR through its config accessor. The device's TDISP responder moves the TDI to ERROR, and the device
/// hardware's TDI enforcement (which reads the responder's state) stops granting T=1 DMA: the guest's trust ends at
/// the device. Benign twin: before the write, T=1 DMA is granted.
/// </summary>
public sealed class TrustFlowConfigWriteAttack : Attack
{
    public TrustFlowConfigWriteAttack()
        : base("flow-config-write-bar", 14, AttackParty.DeviceTdisp, "On the whole platform after lock and accept: the host moves the TDI's register BAR; the TDI must go to ERROR and its DMA stop.")
    {
    }

    public override AttackOutcome Run(int seed)
    {
        var details = new List<string>();
        using var platform = WholePlatform.Create(seed);
        var canary = LeakScan.Canary(seed);
        if (!platform.Kernel.Ram.TryAllocate(1, out var gpa) || !platform.Guest.Memory.Write(gpa, canary, encrypted: true).Succeeded)
        {
            throw new InvalidOperationException("attack: no guest page");
        }

        var lockError = platform.WriteTsm("lock", "tsm0");
        var acceptError = platform.WriteTsm("accept", "1");
        var grantBefore = platform.Device.AuthorizeRequest(nonTee: false);
        var benign = lockError == Errno.None && acceptError == Errno.None && platform.Tdi.State == TdiState.Run && grantBefore is { Allowed: true, TeeOriginated: true };
        details.Add($"trust flow: lock {lockError}, accept {acceptError}; TDI {platform.Tdi.State}; device DMA {grantBefore}");

        var moved = TioPlatform.RegisterBarAddress + 0x0100_0000;
        platform.Hypervisor.Pci.Write(TioPlatform.DeviceBdf, 0x10 + (4 * TdispDevice.RegisterBar), (uint)moved);
        var state = platform.Tdi.State;
        var grantAfter = platform.Device.AuthorizeRequest(nonTee: false);
        details.Add($"attack: the host moves BAR{TdispDevice.RegisterBar} to 0x{moved:X}: TDI {state}; device DMA {grantAfter}");
        return new AttackOutcome
        {
            Name = Name,
            Expected = MustStop,
            DetectedBy = state == TdiState.Error ? AttackParty.DeviceTdisp : AttackParty.None,
            Answer = $"TDI {state}; device DMA {grantAfter}",
            ForgedCommitted = state == TdiState.Run || grantAfter.Allowed && grantAfter.TeeOriginated,
            BenignAccepted = benign,
            Leaks = LeakScan.FindInMemory(platform.Memory, canary).Select(a => $"raw memory at 0x{a:X}").ToList(),
            Details = details,
            Status = state.ToString(),
        };
    }
}
