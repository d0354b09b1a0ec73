using SevTio.Guest.Pci;
using SevTio.Guest.Sysfs;
using SevTio.Guest.Tests.Fakes;

namespace SevTio.Guest.Tests;

/// <summary>Enumeration over the real config-space model, addresses as sysfs prints them, and the kernel's text parsers.</summary>
public sealed class GuestPciTests
{
    [Fact]
    public void Enumerate_SizesBarsLikeLinux_ReadsTeeBit_RestoresConfig()
    {
        using var f = new GuestFixture();
        var device = f.Device;

        Assert.Equal(FakeTdiDevice.VendorId, device.VendorId);
        Assert.Equal(FakeTdiDevice.DeviceIdValue, device.DeviceId);
        Assert.Equal(0x12_0000u, device.ClassCode);
        Assert.True(device.HasTee);
        Assert.Equal(
            [new PciBar(0, GuestTestPlatform.Bar0Gpa, GuestTestPlatform.Bar0Size, true, false), new PciBar(2, GuestTestPlatform.Bar2Gpa, GuestTestPlatform.Bar2Size, false, false)],
            device.Bars);
        Assert.Equal(GuestTestPlatform.Bar0Gpa, f.Platform.Device.Config.GetBarAddress(0));
        Assert.Equal(GuestTestPlatform.Bar2Gpa, f.Platform.Device.Config.GetBarAddress(2));
        Assert.False(device.MemorySpaceEnabled);
    }

    [Fact]
    public void Enumerate_FunctionWithoutPcieCapability_IsNotTeeCapable_AbsentFunctionSkipped()
    {
        var config = new Hw.Pcie.ConfigSpace(0x1AF4, 0x1000, 0x02_0000);
        config.DefineMemoryBar(4, 0x1000, is64Bit: false, prefetchable: true);
        var bus = new GuestPciBus(
            [
                new GuestPciFunction(new PciAddress(0, 2, 0, 0), new ConfigAccess(config)),
                new GuestPciFunction(new PciAddress(0, 3, 0, 0), new AbsentFunction()),
            ],
            new NoMmio());

        var device = Assert.Single(bus.Devices);
        Assert.False(device.HasTee);
        Assert.Equal(new PciBar(4, 0, 0x1000, false, true), Assert.Single(device.Bars));
        Assert.False(device.Bars[0].IsAssigned);
    }

    [Fact]
    public void IoRemap_OutsideTheBar_Einval()
    {
        using var f = new GuestFixture();
        Assert.Equal(Errno.EINVAL, f.Device.IoRemap(0, 0xF000, 0x2000, out _));
        Assert.Equal(Errno.EINVAL, f.Device.IoRemap(1, 0, 0x1000, out _));
        Assert.Equal(Errno.EINVAL, f.Device.IoRemap(0, 0, 0, out _));
        Assert.Equal(Errno.None, f.Device.IoRemap(2, 0x3000, 0x1000, out var doorbells));
        Assert.Throws<ArgumentOutOfRangeException>(() => doorbells.Write32(0x1000, 1));
    }

    [Theory]
    [InlineData("0000:01:00.0", 0, 1, 0, 0)]
    [InlineData("01:1f.7", 0, 1, 31, 7)]
    [InlineData("00a0:ff:00.3\n", 0xA0, 0xFF, 0, 3)]
    public void PciAddress_Parse_AndPrintAsSysfs(string text, int segment, int bus, int device, int function)
    {
        Assert.True(PciAddress.TryParse(text, out var address));
        Assert.Equal(new PciAddress((ushort)segment, (byte)bus, (byte)device, (byte)function), address);
        Assert.Equal((ushort)((bus << 8) | (device << 3) | function), address.RequesterId);
        Assert.Equal(address, PciAddress.FromRequesterId(address.RequesterId, address.Segment));
        Assert.Equal($"{segment:x4}:{bus:x2}:{device:x2}.{function:x}", address.ToString());
    }

    [Theory]
    [InlineData("0000:01:20.0")]
    [InlineData("0000:01:00.8")]
    [InlineData("01:00")]
    [InlineData("x:01:00.0")]
    [InlineData("")]
    public void PciAddress_Garbage_NotParsed(string text) => Assert.False(PciAddress.TryParse(text, out _));

    [Theory]
    [InlineData("1", true)]
    [InlineData("y\n", true)]
    [InlineData("Yes", true)]
    [InlineData("on", true)]
    [InlineData("ON", true)]
    [InlineData("0", false)]
    [InlineData("no", false)]
    [InlineData("off", false)]
    public void ParseBool_AsKstrtobool(string text, bool expected)
    {
        Assert.True(SysfsText.TryParseBool(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("o")]
    [InlineData("ox")]
    [InlineData("true")]
    [InlineData("2")]
    public void ParseBool_Garbage_Fails(string text) => Assert.False(SysfsText.TryParseBool(text, out _));

    [Theory]
    [InlineData("tsm0", 0)]
    [InlineData("tsm12\n", 12)]
    [InlineData("tsm3junk", 3)] // sscanf("tsm%d") stops at the first non-digit
    public void ParseTsmName_AsSscanf(string text, int id)
    {
        Assert.True(SysfsText.TryParseTsmName(text, out var value));
        Assert.Equal(id, value);
    }

    [Theory]
    [InlineData("tsm")]
    [InlineData("tsmx")]
    [InlineData("TSM0")]
    [InlineData("0")]
    public void ParseTsmName_Garbage_Fails(string text) => Assert.False(SysfsText.TryParseTsmName(text, out _));

    private sealed class NoMmio : IGuestMmio
    {
        public ulong Read(ulong gpa, int size, bool encrypted) => throw new InvalidOperationException();

        public void Write(ulong gpa, int size, ulong value, bool encrypted) => throw new InvalidOperationException();
    }

    private sealed class AbsentFunction : IGuestPciConfigAccess
    {
        public uint ReadConfig(int offset) => 0xFFFF_FFFF;

        public void WriteConfig(int offset, uint value, int byteEnables = 0xF)
        {
        }
    }

    private sealed class ConfigAccess(Hw.Pcie.ConfigSpace config) : IGuestPciConfigAccess
    {
        public uint ReadConfig(int offset) => config.Read(offset);

        public void WriteConfig(int offset, uint value, int byteEnables = 0xF) => config.Write(offset, value, byteEnables);
    }
}
