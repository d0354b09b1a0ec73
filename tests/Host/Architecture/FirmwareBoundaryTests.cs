using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace SevTio.Host.Tests.Architecture;

/// <summary>
/// DESIGN.md, "Layers": the host may use only the PSP mailbox of the firmware, as a real host driver sees only the
/// mailbox. Read from SevTio.Host.dll's metadata: every type it references from SevTio.Firmware must live in
/// <c>SevTio.Firmware.Psp.Mailbox</c>.
/// </summary>
public sealed class FirmwareBoundaryTests
{
    private const string MailboxNamespace = "SevTio.Firmware.Psp.Mailbox";

    [Fact]
    public void HostAssembly_ReferencesOnlyTheMailboxNamespaceOfTheFirmware()
    {
        var path = typeof(Hypervisor).Assembly.Location;
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();

        var firmware = metadata.AssemblyReferences
            .Select(h => (Handle: h, Name: metadata.GetString(metadata.GetAssemblyReference(h).Name)))
            .Single(r => r.Name == "SevTio.Firmware").Handle;
        var used = new List<string>();
        foreach (var handle in metadata.TypeReferences)
        {
            var type = metadata.GetTypeReference(handle);
            var scope = type.ResolutionScope;
            while (scope.Kind == HandleKind.TypeReference)
            {
                scope = metadata.GetTypeReference((TypeReferenceHandle)scope).ResolutionScope;
            }

            if (scope.Kind == HandleKind.AssemblyReference && (AssemblyReferenceHandle)scope == firmware)
            {
                used.Add($"{metadata.GetString(type.Namespace)}.{metadata.GetString(type.Name)}");
            }
        }

        Assert.NotEmpty(used);
        var outside = used.Where(t => !t.StartsWith(MailboxNamespace + ".", StringComparison.Ordinal) && !t.StartsWith(".", StringComparison.Ordinal)).ToArray();
        Assert.True(outside.Length == 0, $"SevTio.Host uses firmware types outside the mailbox: {string.Join(", ", outside)}");
    }
}
