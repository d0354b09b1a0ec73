using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace SevTio.EndToEnd.Tests.Architecture;

/// <summary>
/// DESIGN.md's finer rules, read from the type references in each assembly's metadata: the host sees only the PSP
/// mailbox of the firmware (as a real host driver sees only the mailbox), and the guest touches only what a guest CPU
/// can: its own memory view, PVALIDATE, the vCPU's VMGEXIT and MMIO, the CPU's AES instructions.
/// </summary>
public class TypeBoundaryTests
{
    private static IEnumerable<string> ReferencedTypes(string assembly, string fromAssembly)
    {
        using var stream = File.OpenRead(Path.Combine(AppContext.BaseDirectory, assembly + ".dll"));
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        foreach (var h in md.TypeReferences)
        {
            var t = md.GetTypeReference(h);
            if (t.ResolutionScope.Kind != HandleKind.AssemblyReference)
            {
                continue; // nested types resolve through their declaring type, which is listed itself
            }

            var asm = md.GetAssemblyReference((AssemblyReferenceHandle)t.ResolutionScope);
            if (md.GetString(asm.Name) == fromAssembly)
            {
                yield return md.GetString(t.Namespace) + "." + md.GetString(t.Name);
            }
        }
    }

    [Fact]
    public void Host_UsesOnlyThePspMailboxOfTheFirmware()
    {
        var used = ReferencedTypes("SevTio.Host", "SevTio.Firmware").ToArray();
        var outside = used.Where(t => !t.StartsWith("SevTio.Firmware.Psp.Mailbox.", StringComparison.Ordinal)).ToArray();
        Assert.True(outside.Length == 0, "the host reaches into firmware beyond the PSP mailbox: " + string.Join(", ", outside));
    }

    private static readonly string[] GuestVisibleHardware =
    [
        "SevTio.Hw.Cpu.",          // the vCPU: VMGEXIT, GHCB registration, guest MMIO
        "SevTio.Hw.Simulation.",   // simulated time and parameters
        "SevTio.Hw.Crypto.",       // AES-NI / PCLMULQDQ are CPU instructions the guest kernel uses
        "SevTio.Hw.Telemetry.",    // spans on simulated time
    ];

    private static readonly string[] GuestVisibleRmpTypes =
    [
        // The guest's own memory view and what its accesses and PVALIDATE return.
        "SevTio.Hw.Rmp.GuestMemoryView", "SevTio.Hw.Rmp.CpuAccessResult", "SevTio.Hw.Rmp.CpuFault",
        "SevTio.Hw.Rmp.RmpInstructionResult", "SevTio.Hw.Rmp.RmpStatus", "SevTio.Hw.Rmp.RmpPageSize",
        "SevTio.Hw.Rmp.RmpViolation", "SevTio.Hw.Rmp.VmplPermissions",
    ];

    [Fact]
    public void Guest_UsesOnlyWhatAGuestCpuCanTouch()
    {
        var used = ReferencedTypes("SevTio.Guest", "SevTio.Hw").ToArray();
        var outside = used
            .Where(t => !GuestVisibleHardware.Any(p => t.StartsWith(p, StringComparison.Ordinal)) && !GuestVisibleRmpTypes.Contains(t))
            .ToArray();
        Assert.True(outside.Length == 0, "the guest reaches hardware a guest CPU cannot touch: " + string.Join(", ", outside));
    }
}
