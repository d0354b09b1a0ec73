using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;
using SevTio.Hw.Registers;

namespace SevTio.Hw.Tests.Registers;

public sealed class ConfigSpaceTests
{
    private static ConfigSpace Device(RegisterAccessLog? log = null) => new(0x1022, 0x14C0, 0x120000, 1, log: log);

    [Fact]
    public void Header_Identity_ReadsAsProgrammed()
    {
        var cs = Device();
        Assert.Equal(0x14C0_1022u, cs.Read(0x00));
        Assert.Equal(0x1200_0001u, cs.Read(0x08));
        Assert.Equal(1u << 20, cs.Read(0x04) & (1u << 20)); // Capabilities List
        cs.Write(0x00, 0xFFFF_FFFF);
        Assert.Equal(0x14C0_1022u, cs.Read(0x00));
    }

    [Fact]
    public void Bar64_SizingWriteAllOnes_ReadsSizeMaskAndFlags()
    {
        var cs = Device();
        cs.DefineMemoryBar(0, 1UL << 21, is64Bit: true, prefetchable: true);
        cs.Write(0x10, 0xFFFF_FFFF);
        cs.Write(0x14, 0xFFFF_FFFF);

        // PCI Local Bus §6.2.5.1: the read-back is ~(size - 1) with the type bits (64-bit = 10b, prefetchable).
        Assert.Equal(0xFFE0_000Cu, cs.Read(0x10));
        Assert.Equal(0xFFFF_FFFFu, cs.Read(0x14));

        cs.Write(0x10, 0x8020_0000);
        cs.Write(0x14, 0x0000_0040);
        Assert.Equal(0x40_8020_0000UL, cs.GetBarAddress(0));
        Assert.Equal(1UL << 21, cs.GetBarSize(0));
    }

    [Fact]
    public void Bar32_LowBitsHardwiredZero()
    {
        var cs = Device();
        cs.DefineMemoryBar(2, 4096, is64Bit: false, prefetchable: false);
        cs.Write(0x18, 0x1234_5FFF);
        Assert.Equal(0x1234_5000u, cs.Read(0x18));
    }

    [Fact]
    public void Write_HookReportsSecurityRelevantWrites()
    {
        var cs = Device();
        cs.DefineMemoryBar(0, 4096, false, false);
        var writes = new List<ConfigWrite>();
        cs.Written += writes.Add;
        cs.Write(0x04, ConfigSpace.CommandMemorySpaceEnable | ConfigSpace.CommandBusMasterEnable);
        cs.Write(0x10, 0xFFFF_FFFF);
        cs.Write(0x0C, 0x10);
        cs.Write(0x04, ConfigSpace.CommandMemorySpaceEnable | ConfigSpace.CommandBusMasterEnable);
        Assert.True(cs.MemorySpaceEnabled && cs.BusMasterEnabled);
        Assert.Equal([true, true, false, false], writes.Select(w => w.IsSecurityRelevant));
        Assert.Equal([ConfigRegion.Command, ConfigRegion.Bar, ConfigRegion.Header, ConfigRegion.Command], writes.Select(w => w.Region));
    }

    [Fact]
    public void ExtendedCapabilities_ChainedFrom0x100_FoundBySoftwareWalk()
    {
        var cs = Device();
        var a = new RegisterBlock("DOE", 0x18);
        var port = new IdePort("dev", streamCount: 2, addressBlocks: 1);
        var offA = cs.AddExtendedCapability(0x002E, 1, a);
        var offIde = cs.AddExtendedCapability(IdeCapability.ExtendedCapabilityId, IdeCapability.CapabilityVersion, port.Capability);
        Assert.Equal(0x100, offA);
        Assert.Equal(0x118, offIde);

        // Header: id 15:0, version 19:16, next 31:20.
        Assert.Equal(0x002Eu | (1u << 16) | (0x118u << 20), cs.Read(0x100));
        Assert.Equal(0x0030u | (1u << 16), cs.Read(0x118));
        Assert.Equal(0x118, cs.FindExtendedCapability(0x30));
        Assert.Equal(-1, cs.FindExtendedCapability(0x1F));
    }

    [Fact]
    public void LegacyCapability_LinkedFromCapabilityPointer()
    {
        var cs = Device();
        var pcie = new RegisterBlock("PCIe", 0x3C);
        pcie.Define(0, "PCIE_CAP", "PCI Express Capabilities", 0x0002_0000).WithField(16, 16, FieldAccess.ReadOnly, "CAPS", "PCI Express Capabilities Register");
        var off = cs.AddCapability(0x10, pcie);
        Assert.Equal(0x40u, cs.Read(0x34));
        Assert.Equal(0x0002_0010u, cs.Read(off));
        Assert.Equal(0x40, cs.FindCapability(0x10));
    }

    [Fact]
    public void IdeCapability_RegistersDriveStreamEnableAndReportState()
    {
        var cs = Device();
        var port = new IdePort("rp", streamCount: 1, addressBlocks: 1);
        var off = cs.AddExtendedCapability(IdeCapability.ExtendedCapabilityId, 1, port.Capability);

        // Capability register: Selective, Aggregation, PCRC, IDE_KM supported; 1 selective stream (field = count - 1).
        var cap = cs.Read(off + 4);
        Assert.Equal(0x72u, cap & 0xFF);
        Assert.Equal(0u, (cap >> 16) & 0xFF);

        var ctlOffset = off + port.Capability.SelectiveBlockOffset(0) + 4;
        var stsOffset = ctlOffset + 4;
        const uint ctl = (9u << 24) | (2u << 4) | (1u << 8); // Stream ID 9, PR aggregation x4, PCRC
        cs.Write(ctlOffset, ctl);
        var random = new Random(1);
        for (var ss = 0; ss < 3; ss++)
        {
            foreach (var dir in new[] { IdeDirection.Receive, IdeDirection.Transmit })
            {
                var key = new byte[32];
                random.NextBytes(key);
                Assert.Equal(IdeKeyStatus.Success, port.KeyProgram(9, (IdeSubstream)ss, dir, IdeKeySet.K0, key));
                Assert.Equal(IdeKeyStatus.Success, port.KeySetGo(9, (IdeSubstream)ss, dir, IdeKeySet.K0));
            }
        }

        Assert.Equal((uint)IdeStreamState.Insecure, cs.Read(stsOffset) & 0xF);
        cs.Write(ctlOffset, ctl | 1);
        var stream = port.Streams[0];
        Assert.True(stream.IsEnabled);
        Assert.Equal(9, stream.StreamId);
        Assert.Equal(4, stream.Settings.PostedAggregation);
        Assert.True(stream.Settings.PcrcEnabled);
        Assert.Equal((uint)IdeStreamState.Secure, cs.Read(stsOffset) & 0xF);

        // Sampled fields are read-only while Enable stays set.
        cs.Write(ctlOffset, (3u << 24) | 1);
        Assert.Equal(ctl | 1, cs.Read(ctlOffset));

        // A Fail message from the partner: Insecure, Status bit 31 set (RW1C).
        var fail = new Tlp();
        fail.Encode(TlpHeader.IdeMessage(MessageCode.IdeFail, 0x100, 0, 9), default);
        var sink = new Ide.CollectingSink();
        Assert.Equal(IdeReceiveStatus.NotIde, port.Receive(fail, ref sink));
        Assert.Equal(0x8000_0000u, cs.Read(stsOffset));
        cs.Write(stsOffset, 0x8000_0000);
        Assert.Equal(0u, cs.Read(stsOffset));

        cs.Write(ctlOffset, ctl);
        Assert.False(stream.IsEnabled);
    }

    [Fact]
    public void IdePort_SelectTransmitStream_ByAddressAssociationAndDefault()
    {
        var port = new IdePort("dev", streamCount: 2, addressBlocks: 1);
        var cap = port.Capability;
        cap.StreamControl(0).Write((1u << 24) | (1u << 22)); // stream 1: default
        cap.StreamControl(1).Write((2u << 24) | (1u << 23)); // stream 2: TEE-limited
        cap.AddressAssociation(1, 0, 1).Write(1 | (0x001u << 8) | (0x002u << 20)); // 0x10_0010_0000 .. 0x10_002F_FFFF
        cap.AddressAssociation(1, 0, 2).Write(0x10);
        cap.AddressAssociation(1, 0, 3).Write(0x10);
        cap.StreamControl(0).Write((1u << 24) | (1u << 22) | 1);
        cap.StreamControl(1).Write((2u << 24) | (1u << 23) | 1);

        var inRange = TlpHeader.MemoryWrite(0x100, 0x10_0020_0000, 64);
        Assert.Equal(2, port.SelectTransmitStream(inRange, teeOriginated: true)!.StreamId);
        Assert.Equal(1, port.SelectTransmitStream(inRange, teeOriginated: false)!.StreamId); // T=0 skips the TEE-limited stream
        var outside = TlpHeader.MemoryWrite(0x100, 0x20_0000_0000, 64);
        Assert.Equal(1, port.SelectTransmitStream(outside, teeOriginated: true)!.StreamId);
        var cpl = TlpHeader.CompletionWithData(0, 0x100, 1, 0, 64, 64);
        Assert.Equal(2, port.SelectTransmitStream(cpl, false, completionStreamId: 2)!.StreamId);
    }
}
