using SevTio.Hw.Registers;

namespace SevTio.Hw.Tests.Registers;

public sealed class RegisterTests
{
    private static (RegisterBlock Block, Register32 Reg, RegisterAccessLog Log) Make()
    {
        var log = new RegisterAccessLog();
        var block = new RegisterBlock("Test", 0x10, log);
        var reg = block.Define(0x4, "CTL", "Control", 0x0000_0100)
            .WithFlag(0, FieldAccess.ReadWrite, "EN", "Enable")
            .WithField(4, 4, FieldAccess.ReadOnly, "VER", "Version")
            .WithFlag(8, FieldAccess.WriteOneToClear, "ERR", "Error Status")
            .WithField(12, 4, FieldAccess.HardwareInit, "CAP", "Capability")
            .WithReserved(16, 8, FieldAccess.ReservedZero)
            .WithField(24, 8, FieldAccess.ReadWrite, "ID", "Identifier", modelled: false);
        return (block, reg, log);
    }

    [Fact]
    public void Write_AccessTypes_AppliedPerField()
    {
        var (_, reg, _) = Make();
        reg["VER"].Value = 0x3;
        reg["CAP"].Value = 0x5;
        reg.Write(0xFFFF_FFFF & ~0x00FF_0000u);
        var value = reg.Read();
        Assert.Equal(1u, value & 1); // RW took the 1
        Assert.Equal(0x3u, (value >> 4) & 0xF); // RO kept
        Assert.Equal(0u, (value >> 8) & 1); // RW1C: writing 1 cleared it
        Assert.Equal(0x5u, (value >> 12) & 0xF); // HwInit kept
        Assert.Equal(0xFFu, value >> 24);
    }

    [Fact]
    public void Write_OneToClearWithZero_KeepsStatus()
    {
        var (_, reg, _) = Make();
        reg.Write(0);
        Assert.True(reg["ERR"].IsSet);
    }

    [Fact]
    public void Write_ReservedAndUndefinedBits_LoggedAndIgnored()
    {
        var (_, reg, log) = Make();
        reg.Write(0x0001_0000 | 0x0000_0002); // a RsvdZ bit and an undefined bit
        Assert.Equal(0u, reg.Read() & 0x0001_0002);
        Assert.Contains(log.Entries, e => e.Kind == RegisterLogKind.ReservedWrite && e.Bits == 0x0001_0000);
        Assert.Contains(log.Entries, e => e.Kind == RegisterLogKind.ReservedWrite && e.Bits == 0x0000_0002);
    }

    [Fact]
    public void Access_UnmodelledField_Logged()
    {
        var (_, reg, log) = Make();
        reg.Write(0x1200_0000);
        reg.Read();
        Assert.Contains(log.Entries, e => e.Kind == RegisterLogKind.UnmodelledWrite && e.Register == "CTL");
        Assert.Contains(log.Entries, e => e.Kind == RegisterLogKind.UnmodelledRead);
    }

    [Fact]
    public void Write_ByteEnables_OnlyEnabledBytesChange()
    {
        var (_, reg, _) = Make();
        reg.Write(0xAB00_0001, byteEnables: 0b1000);
        Assert.Equal(0xABu, reg["ID"].Value);
        Assert.False(reg["EN"].IsSet);
    }

    [Fact]
    public void Callbacks_FieldAndRegister_SeeOldAndNewValues()
    {
        var (_, reg, _) = Make();
        var seen = new List<(uint, uint)>();
        reg["EN"].Written = (_, o, n) => seen.Add((o, n));
        uint regBefore = 0, regAfter = 0;
        reg.Written = (_, b, a) => (regBefore, regAfter) = (b, a);
        reg.Write(1);
        Assert.Equal([(0u, 1u)], seen);
        Assert.Equal(0x100u, regBefore);
        Assert.Equal(0x101u, regAfter);
    }

    [Fact]
    public void Field_ValueProvider_ReadsLiveState()
    {
        var (_, reg, _) = Make();
        var live = 9u;
        reg["VER"].ValueProvider = () => live;
        Assert.Equal(9u, (reg.Read() >> 4) & 0xF);
        live = 2;
        Assert.Equal(2u, (reg.Read() >> 4) & 0xF);
    }

    [Fact]
    public void Block_UnmappedOffset_ReadsZeroAndLogs()
    {
        var (block, _, log) = Make();
        Assert.Equal(0u, block.Read(0x8));
        block.Write(0xC, 5);
        Assert.Equal(2, log.Entries.Count(e => e.Kind == RegisterLogKind.UnmappedAccess));
    }

    [Fact]
    public void Define_OverlappingFields_ThrowsAtConstruction()
    {
        var reg = new Register32("R", "Register", 0);
        reg.WithField(0, 8, FieldAccess.ReadWrite, "A", "A");
        Assert.Throws<InvalidOperationException>(() => reg.WithField(4, 8, FieldAccess.ReadWrite, "B", "B"));
        Assert.Throws<ArgumentOutOfRangeException>(() => reg.WithField(30, 4, FieldAccess.ReadWrite, "C", "C"));
    }

    [Fact]
    public void Reset_RestoresResetValueIncludingHardwiredFields()
    {
        var (block, reg, _) = Make();
        reg["CAP"].Hardwire(7);
        reg.Write(0xFF00_0001);
        block.Reset();
        Assert.Equal(0x0000_7100u, reg.StoredValue);
    }
}
