using SevTio.Guest.Tsm;
using SevTio.Hw.Iommu;

namespace SevTio.Guest.Tests;

/// <summary>The guest's sDTE image against the IOMMU model's own layout of the 512-bit entry (reference §4.2).</summary>
public sealed class GuestSdteImageTests
{
    [Theory]
    [InlineData(0x7FFF_FFFFu, 0)]
    [InlineData(1u << 20, 0)] // vTOM = 2 TiB, the later kernels' default
    [InlineData(5u, 2)]
    public void Enable_SetsExactlyTheGuestWritableFields(uint vTomUnits, int vmpl)
    {
        Span<byte> bytes = stackalloc byte[64];
        GuestSdteImage.Enable(vTomUnits, vmpl).CopyTo(bytes);
        var entry = SecureDeviceTableEntry.Decode(bytes);

        Assert.True(entry.Valid);
        Assert.True(entry.Read);
        Assert.True(entry.Write);
        Assert.True(entry.VTomEnable);
        Assert.Equal(vTomUnits, entry.VTomUnits);
        Assert.Equal(vmpl, entry.Vmpl);

        var onlyGuestFields = default(SecureDeviceTableEntry);
        onlyGuestFields.ApplyGuestWritableFields(entry);
        Assert.Equal(onlyGuestFields, entry);
    }

    [Fact]
    public void Clear_IsAllZero() => Assert.True(GuestSdteImage.Clear().IsZero);

    [Fact]
    public void Enable_OutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GuestSdteImage.Enable(0x8000_0000));
        Assert.Throws<ArgumentOutOfRangeException>(() => GuestSdteImage.Enable(1, vmpl: 4));
    }
}
