using SevTio.Hw.Rmp;

namespace SevTio.Hw.Tests.Rmp;

public sealed class GuestPhysicalMapTests
{
    [Fact]
    public void Map4K_TranslatesEveryByteOfThePage()
    {
        var map = new GuestPhysicalMap(3);
        map.Map(0x7000, 0x0123_4000);
        Assert.True(map.TryTranslate(0x7ABC, out var spa, out var size));
        Assert.Equal(0x0123_4ABCUL, spa);
        Assert.Equal(RmpPageSize.Size4K, size);
        Assert.False(map.TryTranslate(0x8000, out _, out _));
        Assert.Equal(1, map.MappedPages);
    }

    [Fact]
    public void Map2M_ThenUnmap4K_SplitsTheRestInto4KMappings()
    {
        var map = new GuestPhysicalMap(3);
        map.Map(0x4000_0000, 0x0200_0000, RmpPageSize.Size2M);
        Assert.True(map.TryTranslate(0x401F_F010, out var spa, out var size));
        Assert.Equal(0x021F_F010UL, spa);
        Assert.Equal(RmpPageSize.Size2M, size);

        map.Unmap(0x4000_3000);

        Assert.False(map.TryTranslate(0x4000_3000, out _, out _));
        Assert.True(map.TryTranslate(0x4000_4000, out spa, out size));
        Assert.Equal(0x0200_4000UL, spa);
        Assert.Equal(RmpPageSize.Size4K, size);
        Assert.Equal(511, map.MappedPages);
    }

    [Fact]
    public void Map_Misaligned2M_Throws() =>
        Assert.Throws<ArgumentException>(() => new GuestPhysicalMap(3).Map(0x4000_1000, 0x0200_0000, RmpPageSize.Size2M));

    [Fact]
    public void HighGpa_BeyondAnyDirectory_IsSupported()
    {
        var map = new GuestPhysicalMap(3);
        map.Map(0x000F_FFFF_FFFF_F000, 0x1000); // the top page of a 52-bit space
        Assert.True(map.TryTranslate(0x000F_FFFF_FFFF_F008, out var spa, out _));
        Assert.Equal(0x1008UL, spa);
        Assert.False(map.TryTranslate(1UL << 52, out _, out _));
    }
}
