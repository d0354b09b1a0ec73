using SevTio.Hw.Rmp;

namespace SevTio.Hw.Tests.Rmp;

/// <summary>The raw entry layout against the Zen 3/4 bit positions of reference §4.1 (Linux struct rmpentry_raw).</summary>
public sealed class RmpEntryTests
{
    [Fact]
    public void Create_PlacesEachFieldAtItsDocumentedBit()
    {
        var entry = RmpEntry.Create(assigned: true, RmpPageSize.Size2M, immutable: true, gpa: 0x0000_1234_5678_9000, asid: 0x2A5, vmsa: true, validated: true);

        ulong expected = 1UL << 0 // assigned
            | 1UL << 1 // page size 2M
            | 1UL << 2 // immutable
            | (0x0000_1234_5678_9000UL >> 12) << 12 // GPA bits 50:12
            | 0x2A5UL << 51 // ASID bits 60:51
            | 1UL << 61 // VMSA
            | 1UL << 62; // validated
        Assert.Equal(expected, entry.Lo);
        Assert.Equal(0x0000_1234_5678_9000UL, entry.Gpa);
        Assert.Equal(0x2A5, entry.Asid);
        Assert.True(entry.Assigned && entry.Immutable && entry.Vmsa && entry.Validated);
        Assert.Equal(RmpPageSize.Size2M, entry.PageSize);
    }

    [Fact]
    public void Create_AsidWiderThan10Bits_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => RmpEntry.Create(true, asid: 1024));

    [Theory]
    [InlineData(false, 0, false, RmpOwner.Hypervisor)]
    [InlineData(true, 7, false, RmpOwner.Guest)]
    [InlineData(true, 0, true, RmpOwner.Firmware)]
    public void Owner_FollowsTable15_35(bool assigned, int asid, bool immutable, RmpOwner owner) =>
        Assert.Equal(owner, RmpEntry.Create(assigned, immutable: immutable, asid: asid).Owner);

    [Fact]
    public void Permissions_OneBytePerVmplInTheHighQuadword()
    {
        var entry = RmpEntry.Create(true, asid: 1)
            .WithPermissions(1, VmplPermissions.Read)
            .WithPermissions(3, VmplPermissions.Read | VmplPermissions.Write);
        Assert.Equal(0x0300_0100UL, entry.Hi);
        Assert.Equal(VmplPermissions.Read, entry.Permissions(1));
        Assert.Equal(VmplPermissions.None, entry.Permissions(2));
    }
}
