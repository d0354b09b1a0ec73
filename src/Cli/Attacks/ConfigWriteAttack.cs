using SevTio.Cli.Attacks.Support;
using SevTio.Guest;
using SevTio.Hw.Pcie;
using SevTio.Protocols.Tdisp;

namespace SevTio.Cli.Attacks;

/// <summary>Which security-relevant register the host writes while the TDI runs.</summary>
public enum ConfigTarget
{
    /// <summary>BAR4's address.</summary>
    Bar,

    /// <summary>Bus Master Enable in the Command register.</summary>
    BusMasterEnable,

    /// <summary>The bound IDE stream's Control register in the device's IDE capability (§6.33.8: IDE register writes while locked are tamper).</summary>
    IdeStreamControl,
}

/// <summary>
/// Issue 10 item 14: while the TDI runs, the host writes the device's configuration space: moves a BAR, clears Bus
/// Master Enable, or (beyond the list) clears Enable of the bound IDE stream in the device's IDE capability. PCIe §11.2.6: the write completes, but a change to the TDI's configuration moves it from RUN to ERROR
/// (the device's TDISP responder watches its security-relevant registers); the guest's trust in the TDI ends there.
/// Benign twin: a write to a register that is not security-relevant (Cache Line Size) leaves the TDI in RUN.
/// </summary>
public sealed class ConfigWriteAttack : Attack
{
    /// <summary>Where the BAR case moves BAR4 (inside the host bridge's MMIO window, clear of the other BARs).</summary>
    public const ulong MovedBar4 = 0xF040_0000;

    private readonly ConfigTarget _target;

    public ConfigWriteAttack(string name, ConfigTarget target, string description)
        : base(name, 14, AttackParty.DeviceTdisp, description)
    {
        _target = target;
    }

    public override AttackOutcome Run(int seed)
    {
        var details = new List<string>();
        var canary = LeakScan.Canary(seed);
        using var rig = new TrustRig(seed);
        rig.PlantCanary(canary);
        var lockError = rig.Write("lock", "tsm0");
        var acceptError = rig.Write("accept", "1");
        details.Add($"lock {lockError}, accept {acceptError}: TDI {rig.Device.Tdi.State}");

        // Cache Line Size (config offset 0Ch, byte 0): not in any security-relevant range.
        rig.Hypervisor.Pci.Write(TrustDevice.Bdf, 0x0C, 0x10, byteEnables: 0b0001);
        var benign = lockError == Errno.None && acceptError == Errno.None && rig.Device.Tdi.State == TdiState.Run;
        details.Add($"benign twin: the host writes Cache Line Size: TDI {rig.Device.Tdi.State}");

        switch (_target)
        {
            case ConfigTarget.Bar:
                rig.Hypervisor.Pci.Write(TrustDevice.Bdf, 0x20, (uint)MovedBar4 | 0xC);
                details.Add($"attack: the host rewrites BAR4 to 0x{MovedBar4:X}");
                break;
            case ConfigTarget.BusMasterEnable:
                rig.Hypervisor.Pci.Write(TrustDevice.Bdf, 0x04, ConfigSpace.CommandMemorySpaceEnable);
                details.Add("attack: the host clears Bus Master Enable");
                break;
            default:
            {
                // The bound stream's Control register in the device's IDE capability (block 0, offset 4): same value, Enable cleared.
                var control = rig.Device.IdeCapabilityOffset + rig.Device.Ide.Capability.SelectiveBlockOffset(0) + 4;
                var value = rig.Device.Config.Read(control);
                rig.Hypervisor.Pci.Write(TrustDevice.Bdf, control, value & ~1u);
                details.Add($"attack: the host clears Enable in the device's IDE stream Control (0x{value:X8} -> 0x{value & ~1u:X8})");
                break;
            }
        }

        var state = rig.Device.Tdi.State;
        details.Add($"device TDI: {state}; config now BAR4 0x{rig.Device.Config.GetBarAddress(4):X}, BME {rig.Device.Config.BusMasterEnabled}");
        var readError = rig.Link.ReadTdiStatus(rig.Tdi, out var seen);
        details.Add($"the PSP's TIO_TDI_STATUS: {readError}, {seen}");
        return new AttackOutcome
        {
            Name = Name,
            Expected = MustStop,
            DetectedBy = state == TdiState.Error ? AttackParty.DeviceTdisp : AttackParty.None,
            Answer = $"the write completed; TDI {state}",
            ForgedCommitted = state == TdiState.Run,
            BenignAccepted = benign,
            Leaks = rig.FindGuestLeaks(canary),
            Details = details,
            Status = state.ToString(),
        };
    }
}
