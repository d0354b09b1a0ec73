using SevTio.Hw.Rmp;

namespace SevTio.Hw.Tests.Rmp;

/// <summary>
/// RMPUPDATE, PSMASH, PVALIDATE and RMPADJUST against the architectural rules (APM vol. 2 §15.36.5–15.36.11, tables
/// 15-35, 15-39, 15-40; return codes of APM vol. 3 as Linux and the MSVC intrinsics document them: 0 success,
/// 1 FAIL_INPUT, 2 FAIL_PERMISSION, 3 FAIL_INUSE, 4 FAIL_OVERLAP, 6 FAIL_SIZEMISMATCH, 7 FAIL_BADADDR, CF=1 "no update").
/// Expected codes are written as the documented numbers.
/// </summary>
public sealed class RmpInstructionTests : IDisposable
{
    private const int Success = 0;
    private const int FailInput = 1;
    private const int FailPermission = 2;
    private const int FailInUse = 3;
    private const int FailOverlap = 4;
    private const int FailSizeMismatch = 6;
    private const int FailBadAddress = 7;

    private const ulong Page = 0x0100_0000; // a 4 KiB page
    private const ulong Huge = 0x0200_0000; // a 2 MiB-aligned region
    private const ulong Gpa = 0x8000;
    private const ulong HugeGpa = 0x4000_0000;

    private readonly SnpPlatform _p = new();

    public void Dispose() => _p.Dispose();

    // ---- RMPUPDATE ----

    [Fact]
    public void RmpUpdate_AssignToGuest_WritesFieldsClearsValidatedGivesVmpl0FullPermissions()
    {
        Assert.Equal(Success, (int)_p.Rmp.RmpUpdate(Page, RmpUpdateState.Guest(7, Gpa)));

        var entry = _p.Rmp.ReadEntry(Page);
        Assert.True(entry.Assigned);
        Assert.Equal(7, entry.Asid);
        Assert.Equal(Gpa, entry.Gpa);
        Assert.False(entry.Immutable);
        Assert.False(entry.Validated);
        Assert.Equal(RmpPageSize.Size4K, entry.PageSize);
        Assert.Equal(VmplPermissions.Read | VmplPermissions.Write | VmplPermissions.ExecuteUser | VmplPermissions.ExecuteSupervisor, entry.Permissions(0));
        Assert.Equal(VmplPermissions.None, entry.Permissions(1));
    }

    [Fact]
    public void RmpUpdate_OfAValidatedPage_ClearsValidated()
    {
        var map = _p.CreateGuest(7);
        _p.AssignPage(map, Gpa, Page, validate: true);
        Assert.True(_p.Rmp.ReadEntry(Page).Validated);

        Assert.Equal(Success, (int)_p.Rmp.RmpUpdate(Page, RmpUpdateState.Guest(7, Gpa)));

        Assert.False(_p.Rmp.ReadEntry(Page).Validated);
    }

    public static TheoryData<string, ulong, RmpUpdateState> BadInputs => new()
    {
        { "address not page aligned", Page + 0x800, RmpUpdateState.Guest(7, Gpa) },
        { "2 MiB entry at a 4 KiB-aligned address", Huge + 0x1000, RmpUpdateState.Guest(7, HugeGpa, RmpPageSize.Size2M) },
        { "2 MiB entry with a GPA not 2 MiB aligned", Huge, RmpUpdateState.Guest(7, HugeGpa + 0x1000, RmpPageSize.Size2M) },
        { "address beyond the RMP's coverage", 256UL << 20, RmpUpdateState.Guest(7, Gpa) },
        { "ASID wider than 10 bits", Page, RmpUpdateState.Guest(1024, Gpa) },
        { "assigned with ASID 0 but mutable (no owner encodes that)", Page, new RmpUpdateState(Gpa, true, RmpPageSize.Size4K, false, 0) },
        { "hypervisor-owned with a non-zero ASID", Page, new RmpUpdateState(0, false, RmpPageSize.Size4K, false, 5) },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void RmpUpdate_BadInput_ReturnsFailInputAndChangesNothing(string because, ulong spa, RmpUpdateState state)
    {
        var before = _p.Rmp.ReadEntry(spa & ~0xFFFUL);
        Assert.True(FailInput == (int)_p.Rmp.RmpUpdate(spa, state), because);
        Assert.Equal(before, _p.Rmp.ReadEntry(spa & ~0xFFFUL));
    }

    [Fact]
    public void RmpUpdate_RmpTablePage_ReturnsFailPermission()
    {
        // The AMD-SP marks the RMP's own pages immutable (§15.36.4); RMPUPDATE cannot touch an immutable entry.
        var entry = _p.Rmp.ReadEntry(_p.Rmp.RmpBase);
        Assert.Equal(RmpOwner.Firmware, entry.Owner);
        Assert.True(entry.Immutable);
        Assert.Equal(FailPermission, (int)_p.Rmp.RmpUpdate(_p.Rmp.RmpBase, RmpUpdateState.Hypervisor()));
    }

    [Fact]
    public void RmpUpdate_PageDonatedToFirmware_CannotBeTakenBack()
    {
        Assert.Equal(Success, (int)_p.Rmp.RmpUpdate(Page, RmpUpdateState.Firmware()));
        Assert.Equal(RmpOwner.Firmware, _p.Rmp.ReadEntry(Page).Owner);

        Assert.Equal(FailPermission, (int)_p.Rmp.RmpUpdate(Page, RmpUpdateState.Hypervisor()));
        Assert.Equal(FailPermission, (int)_p.Rmp.RmpUpdate(Page, RmpUpdateState.Guest(7, Gpa)));

        // Only the AMD-SP (SNP_PAGE_RECLAIM) gives it back.
        Assert.Equal(Success, (int)_p.Rmp.FirmwareWriteEntry(Page, default));
        Assert.Equal(Success, (int)_p.Rmp.RmpUpdate(Page, RmpUpdateState.Guest(7, Gpa)));
    }

    [Fact]
    public void RmpUpdate_PageInUse_ReturnsFailInUseUntilReleased()
    {
        // VMRUN marks a running guest's VMSA in use; RMPUPDATE then returns FAIL_INUSE (§15.36.12).
        _p.Rmp.MarkInUse(Page);
        Assert.Equal(FailInUse, (int)_p.Rmp.RmpUpdate(Page, RmpUpdateState.Guest(7, Gpa)));
        _p.Rmp.ClearInUse(Page);
        Assert.Equal(Success, (int)_p.Rmp.RmpUpdate(Page, RmpUpdateState.Guest(7, Gpa)));
    }

    [Fact]
    public void RmpUpdate_4KInsideAssigned2M_ReturnsFailOverlap()
    {
        Assert.Equal(Success, (int)_p.Rmp.RmpUpdate(Huge, RmpUpdateState.Guest(7, HugeGpa, RmpPageSize.Size2M)));

        Assert.Equal(FailOverlap, (int)_p.Rmp.RmpUpdate(Huge + 0x5000, RmpUpdateState.Guest(7, HugeGpa + 0x5000)));
        Assert.Equal(FailOverlap, (int)_p.Rmp.RmpUpdate(Huge + 0x5000, RmpUpdateState.Hypervisor()));
    }

    [Fact]
    public void RmpUpdate_Assigned2MOverAnAssigned4K_ReturnsFailOverlap()
    {
        Assert.Equal(Success, (int)_p.Rmp.RmpUpdate(Huge + 0x1F_F000, RmpUpdateState.Guest(3, 0x9000)));

        Assert.Equal(FailOverlap, (int)_p.Rmp.RmpUpdate(Huge, RmpUpdateState.Guest(7, HugeGpa, RmpPageSize.Size2M)));

        Assert.Equal(Success, (int)_p.Rmp.RmpUpdate(Huge + 0x1F_F000, RmpUpdateState.Hypervisor()));
        Assert.Equal(Success, (int)_p.Rmp.RmpUpdate(Huge, RmpUpdateState.Guest(7, HugeGpa, RmpPageSize.Size2M)));
    }

    [Fact]
    public void RmpUpdate_2MPage_CoversEverySubPageForTheChecks()
    {
        Assert.Equal(Success, (int)_p.Rmp.RmpUpdate(Huge, RmpUpdateState.Guest(7, HugeGpa, RmpPageSize.Size2M)));

        var sub = _p.Rmp.ReadEffectiveEntry(Huge + 0x3_4000);
        Assert.True(sub.Assigned);
        Assert.Equal(HugeGpa + 0x3_4000, sub.Gpa);
        Assert.Equal(RmpPageSize.Size2M, sub.PageSize);
        Assert.False(_p.Rmp.CheckHypervisorOwned(Huge + 0x3_4000).Allowed);
    }

    // ---- PSMASH ----

    [Fact]
    public void Psmash_Validated2MPage_Gives512ContiguousValidated4KEntries()
    {
        var map = _p.CreateGuest(7);
        Assert.Equal(Success, (int)_p.Rmp.RmpUpdate(Huge, RmpUpdateState.Guest(7, HugeGpa, RmpPageSize.Size2M)));
        map.Map(HugeGpa, Huge, RmpPageSize.Size2M);
        Assert.Equal(Success, (int)_p.View(map).Pvalidate(HugeGpa, RmpPageSize.Size2M, true).Status);

        Assert.Equal(Success, (int)_p.Rmp.Psmash(Huge));

        foreach (var i in new ulong[] { 0, 1, 255, 511 })
        {
            var entry = _p.Rmp.ReadEntry(Huge + i * 4096);
            Assert.Equal(RmpPageSize.Size4K, entry.PageSize);
            Assert.Equal(HugeGpa + i * 4096, entry.Gpa);
            Assert.True(entry.Assigned);
            Assert.True(entry.Validated);
            Assert.Equal(7, entry.Asid);
        }
    }

    [Fact]
    public void Psmash_NotAligned_ReturnsFailInput() =>
        Assert.Equal(FailInput, (int)_p.Rmp.Psmash(Huge + 0x1000));

    [Fact]
    public void Psmash_InUse_ReturnsFailInUse()
    {
        Assert.Equal(Success, (int)_p.Rmp.RmpUpdate(Huge, RmpUpdateState.Guest(7, HugeGpa, RmpPageSize.Size2M)));
        _p.Rmp.MarkInUse(Huge);
        Assert.Equal(FailInUse, (int)_p.Rmp.Psmash(Huge));
    }

    [Fact]
    public void Psmash_4KEntry_ReturnsFailBadAddress()
    {
        Assert.Equal(Success, (int)_p.Rmp.RmpUpdate(Huge, RmpUpdateState.Guest(7, HugeGpa)));
        Assert.Equal(FailBadAddress, (int)_p.Rmp.Psmash(Huge));
    }

    // ---- PVALIDATE ----

    [Fact]
    public void Pvalidate_TogglesValidated_AndReportsNoUpdateWhenAlreadySo()
    {
        var map = _p.CreateGuest(7);
        _p.AssignPage(map, Gpa, Page, validate: false);
        var view = _p.View(map);

        Assert.Equal(RmpStatus.Success, view.Pvalidate(Gpa, RmpPageSize.Size4K, true).Status);
        Assert.True(_p.Rmp.ReadEntry(Page).Validated);
        Assert.Equal(RmpStatus.NoUpdate, view.Pvalidate(Gpa, RmpPageSize.Size4K, true).Status);
        Assert.Equal(RmpStatus.Success, view.Pvalidate(Gpa, RmpPageSize.Size4K, false).Status);
        Assert.False(_p.Rmp.ReadEntry(Page).Validated);
        Assert.Equal(RmpStatus.NoUpdate, view.Pvalidate(Gpa, RmpPageSize.Size4K, false).Status);
    }

    [Fact]
    public void Pvalidate_2MRequestAtA4KAlignedGpa_ReturnsFailInput()
    {
        var map = _p.CreateGuest(7);
        _p.AssignPage(map, Gpa, Page, validate: false);
        Assert.Equal(FailInput, (int)_p.View(map).Pvalidate(Gpa, RmpPageSize.Size2M, true).Status);
    }

    [Fact]
    public void Pvalidate_NotAtVmpl0_ReturnsFailPermission()
    {
        var map = _p.CreateGuest(7);
        _p.AssignPage(map, Gpa, Page, validate: false);
        Assert.Equal(FailPermission, (int)_p.View(map, vmpl: 1).Pvalidate(Gpa, RmpPageSize.Size4K, true).Status);
        Assert.False(_p.Rmp.ReadEntry(Page).Validated);
    }

    [Fact]
    public void Pvalidate_2MRequestOn4KRmpEntries_ReturnsFailSizeMismatch()
    {
        // Table 15-40: requested 2 MB, RMP 4 KB → FAIL_SIZEMISMATCH (the guest retries per 4 KB page).
        var map = _p.CreateGuest(7);
        for (var i = 0UL; i < 512; i++)
        {
            Assert.Equal(RmpStatus.Success, _p.Rmp.RmpUpdate(Huge + i * 4096, RmpUpdateState.Guest(7, HugeGpa + i * 4096)));
        }

        map.Map(HugeGpa, Huge, RmpPageSize.Size2M);
        Assert.Equal(FailSizeMismatch, (int)_p.View(map).Pvalidate(HugeGpa, RmpPageSize.Size2M, true).Status);
    }

    [Fact]
    public void Pvalidate_2MRequestOverA4KNestedMapping_ReturnsFailSizeMismatch()
    {
        // §15.36.6: a 2 MB PVALIDATE of a range the nested table maps with 4 KB pages returns an error to the guest.
        var map = _p.CreateGuest(7);
        Assert.Equal(RmpStatus.Success, _p.Rmp.RmpUpdate(Huge, RmpUpdateState.Guest(7, HugeGpa, RmpPageSize.Size2M)));
        for (var i = 0UL; i < 512; i++)
        {
            map.Map(HugeGpa + i * 4096, Huge + i * 4096);
        }

        Assert.Equal(FailSizeMismatch, (int)_p.View(map).Pvalidate(HugeGpa, RmpPageSize.Size2M, true).Status);
    }

    [Fact]
    public void Pvalidate_4KRequestOn2MRmpEntry_TakesNestedPageFault()
    {
        // Table 15-40: requested 4 KB, RMP 2 MB → #VMEXIT(NPF); the hypervisor PSMASHes and the guest retries.
        var map = _p.CreateGuest(7);
        Assert.Equal(RmpStatus.Success, _p.Rmp.RmpUpdate(Huge, RmpUpdateState.Guest(7, HugeGpa, RmpPageSize.Size2M)));
        map.Map(HugeGpa + 0x3000, Huge + 0x3000);

        var result = _p.View(map).Pvalidate(HugeGpa + 0x3000, RmpPageSize.Size4K, true);
        Assert.Equal(RmpStatus.NestedPageFault, result.Status);
        Assert.Equal(RmpViolation.PageSizeMismatch, result.Violation);

        Assert.Equal(RmpStatus.Success, _p.Rmp.Psmash(Huge));
        Assert.Equal(RmpStatus.Success, _p.View(map).Pvalidate(HugeGpa + 0x3000, RmpPageSize.Size4K, true).Status);
        Assert.True(_p.Rmp.ReadEntry(Huge + 0x3000).Validated);
        Assert.False(_p.Rmp.ReadEntry(Huge + 0x4000).Validated);
    }

    [Fact]
    public void Pvalidate_2MPageWith2MMapping_ValidatesTheWholePage()
    {
        var map = _p.CreateGuest(7);
        Assert.Equal(RmpStatus.Success, _p.Rmp.RmpUpdate(Huge, RmpUpdateState.Guest(7, HugeGpa, RmpPageSize.Size2M)));
        map.Map(HugeGpa, Huge, RmpPageSize.Size2M);

        Assert.Equal(RmpStatus.Success, _p.View(map).Pvalidate(HugeGpa, RmpPageSize.Size2M, true).Status);
        Assert.True(_p.Rmp.ReadEffectiveEntry(Huge + 0x1F_F000).Validated);
    }

    [Fact]
    public void Pvalidate_HypervisorRemappedGpa_TakesNestedPageFaultOnReverseMap()
    {
        // The page was assigned at GPA 0x8000; the hypervisor maps it at 0x9000 instead — the Reverse-Map check catches it.
        var map = _p.CreateGuest(7);
        Assert.Equal(RmpStatus.Success, _p.Rmp.RmpUpdate(Page, RmpUpdateState.Guest(7, Gpa)));
        map.Map(Gpa + 0x1000, Page);

        var result = _p.View(map).Pvalidate(Gpa + 0x1000, RmpPageSize.Size4K, true);
        Assert.Equal(new RmpInstructionResult(RmpStatus.NestedPageFault, RmpViolation.GpaMismatch), result);
    }

    [Fact]
    public void Pvalidate_PageOfAnotherGuest_TakesNestedPageFault()
    {
        var mine = _p.CreateGuest(7);
        _p.CreateGuest(8);
        Assert.Equal(RmpStatus.Success, _p.Rmp.RmpUpdate(Page, RmpUpdateState.Guest(8, Gpa)));
        mine.Map(Gpa, Page);

        Assert.Equal(new RmpInstructionResult(RmpStatus.NestedPageFault, RmpViolation.AsidMismatch), _p.View(mine).Pvalidate(Gpa, RmpPageSize.Size4K, true));
    }

    [Fact]
    public void Pvalidate_HypervisorOwnedPage_TakesNestedPageFault()
    {
        var map = _p.CreateGuest(7);
        map.Map(Gpa, Page);
        Assert.Equal(new RmpInstructionResult(RmpStatus.NestedPageFault, RmpViolation.NotAssigned), _p.View(map).Pvalidate(Gpa, RmpPageSize.Size4K, true));
    }

    [Fact]
    public void Pvalidate_UnmappedGpa_TakesNestedPageFault()
    {
        var map = _p.CreateGuest(7);
        Assert.Equal(new RmpInstructionResult(RmpStatus.NestedPageFault, RmpViolation.GpaNotMapped), _p.View(map).Pvalidate(Gpa, RmpPageSize.Size4K, true));
    }

    // ---- RMPADJUST ----

    [Fact]
    public void RmpAdjust_Vmpl0GrantsVmpl1Read_Vmpl1CanReadButNotWrite()
    {
        var map = _p.CreateGuest(7);
        _p.AssignPage(map, Gpa, Page);
        Assert.True(_p.View(map).Write(Gpa, new byte[] { 1, 2, 3 }).Succeeded);

        Assert.Equal(RmpStatus.Success, _p.View(map).RmpAdjust(Gpa, RmpPageSize.Size4K, 1, VmplPermissions.Read).Status);

        Assert.Equal(VmplPermissions.Read, _p.Rmp.ReadEntry(Page).Permissions(1));
        var vmpl1 = _p.View(map, vmpl: 1);
        var buffer = new byte[3];
        Assert.True(vmpl1.Read(Gpa, buffer).Succeeded);
        Assert.Equal(new byte[] { 1, 2, 3 }, buffer);
        var write = vmpl1.Write(Gpa, buffer);
        Assert.Equal(CpuFault.NestedPageFault, write.Fault);
        Assert.Equal(RmpViolation.VmplPermission, write.Violation);
    }

    [Fact]
    public void RmpAdjust_TargetNotAboveCurrentVmpl_ReturnsFailPermission()
    {
        var map = _p.CreateGuest(7);
        _p.AssignPage(map, Gpa, Page);
        Assert.Equal(RmpStatus.Success, _p.View(map).RmpAdjust(Gpa, RmpPageSize.Size4K, 1, VmplPermissions.Read | VmplPermissions.Write).Status);

        Assert.Equal(FailPermission, (int)_p.View(map, vmpl: 1).RmpAdjust(Gpa, RmpPageSize.Size4K, 1, VmplPermissions.Read).Status);
        Assert.Equal(FailPermission, (int)_p.View(map, vmpl: 1).RmpAdjust(Gpa, RmpPageSize.Size4K, 0, VmplPermissions.None).Status);
    }

    [Fact]
    public void RmpAdjust_GrantingMoreThanItsOwnPermissions_ReturnsFailPermission()
    {
        var map = _p.CreateGuest(7);
        _p.AssignPage(map, Gpa, Page);
        Assert.Equal(RmpStatus.Success, _p.View(map).RmpAdjust(Gpa, RmpPageSize.Size4K, 1, VmplPermissions.Read).Status);

        // §15.36.7: VMPL1 without write permission cannot give VMPL2 write permission.
        Assert.Equal(FailPermission, (int)_p.View(map, vmpl: 1).RmpAdjust(Gpa, RmpPageSize.Size4K, 2, VmplPermissions.Read | VmplPermissions.Write).Status);
        Assert.Equal(RmpStatus.Success, _p.View(map, vmpl: 1).RmpAdjust(Gpa, RmpPageSize.Size4K, 2, VmplPermissions.Read).Status);
    }

    [Theory]
    [InlineData(4, (byte)VmplPermissions.Read)]
    [InlineData(1, 0x20)] // reserved bit 5
    public void RmpAdjust_BadOperand_ReturnsFailInput(int targetVmpl, byte permissions)
    {
        var map = _p.CreateGuest(7);
        _p.AssignPage(map, Gpa, Page);
        Assert.Equal(FailInput, (int)_p.View(map).RmpAdjust(Gpa, RmpPageSize.Size4K, targetVmpl, (VmplPermissions)permissions).Status);
    }

    [Fact]
    public void RmpAdjust_2MRequestOn4KEntry_ReturnsFailSizeMismatch()
    {
        var map = _p.CreateGuest(7);
        Assert.Equal(RmpStatus.Success, _p.Rmp.RmpUpdate(Huge, RmpUpdateState.Guest(7, HugeGpa)));
        map.Map(HugeGpa, Huge, RmpPageSize.Size2M);
        Assert.Equal(FailSizeMismatch, (int)_p.View(map).RmpAdjust(HugeGpa, RmpPageSize.Size2M, 1, VmplPermissions.Read).Status);
    }

    [Fact]
    public void RmpAdjust_VmsaBit_SetOnlyFromVmpl0()
    {
        var map = _p.CreateGuest(7);
        _p.AssignPage(map, Gpa, Page);
        Assert.Equal(RmpStatus.Success, _p.View(map).RmpAdjust(Gpa, RmpPageSize.Size4K, 1, VmplPermissions.Read | VmplPermissions.Write, vmsa: true).Status);
        Assert.True(_p.Rmp.ReadEntry(Page).Vmsa);

        // From VMPL1 the VMSA operand is ignored (the bit stays set).
        Assert.Equal(RmpStatus.Success, _p.View(map, vmpl: 1).RmpAdjust(Gpa, RmpPageSize.Size4K, 2, VmplPermissions.Read, vmsa: false).Status);
        Assert.True(_p.Rmp.ReadEntry(Page).Vmsa);
    }

    [Fact]
    public void Counters_CountInstructionsAndFailures()
    {
        var before = _p.Rmp.Counters.Instructions;
        _p.Rmp.RmpUpdate(Page, RmpUpdateState.Guest(7, Gpa));
        _p.Rmp.Psmash(Page + 1);
        Assert.Equal(before + 2, _p.Rmp.Counters.Instructions);
        Assert.Equal(1, _p.Rmp.Counters.InstructionFailures);
    }
}
