using SevTio.Guest.Pci;

namespace SevTio.Guest.Tests.Fakes;

/// <summary>A booted guest on a <see cref="GuestTestPlatform"/>, with the sysfs paths of its device.</summary>
internal sealed class GuestFixture : IDisposable
{
    public const string Bdf = "0000:01:00.0";
    public const string DeviceDir = "/sys/bus/pci/devices/" + Bdf;
    public const string Lock = DeviceDir + "/tsm/lock";
    public const string Accept = DeviceDir + "/tsm/accept";
    public const string Unlock = DeviceDir + "/tsm/unlock";
    public const string TdispState = DeviceDir + "/tsm/tdisp_state";
    public const string Evidence = DeviceDir + "/tsm/evidence";
    public const string Policy = DeviceDir + "/tsm/policy";

    public GuestFixture(GuestKernelOptions? options = null, bool advertiseTio = true, bool placeSwiotlb = true, Action<GuestTestPlatform>? beforeBoot = null)
    {
        Platform = new GuestTestPlatform(advertiseTio, placeSwiotlb);
        beforeBoot?.Invoke(Platform);
        Kernel = Platform.Boot(options);
    }

    public GuestTestPlatform Platform { get; }

    public GuestKernel Kernel { get; }

    public FakeHypervisor Hypervisor => Platform.Hypervisor;

    public FakePsp Psp => Platform.Psp;

    public GuestPciDevice Device => Kernel.Pci.Find(GuestTestPlatform.DeviceAddress)!;

    public Errno Write(string path, string value) => Kernel.Sysfs.Write(path, value);

    public string Read(string path) => Kernel.Sysfs.Read(path);

    public void Dispose()
    {
        Kernel.Dispose();
        Platform.Psp.Dispose();
        Platform.Dispose();
    }
}

/// <summary>A driver that binds to anything and does nothing: enough to hold a device.</summary>
internal sealed class NullDriver(string name = "null-drv") : IGuestPciDriver
{
    public string Name { get; } = name;

    public int Probes { get; private set; }

    public bool Matches(GuestPciDevice device) => true;

    public Errno Probe(GuestPciDevice device)
    {
        Probes++;
        return Errno.None;
    }

    public void Remove(GuestPciDevice device)
    {
    }
}
