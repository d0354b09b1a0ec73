using System.Numerics;
using SevTio.Hw.Iommu;
using SevTio.Hw.Rmp;

namespace SevTio.Hw.Tests.Iommu;

/// <summary>
/// Encodings against the bit positions of the specifications (AMD IOMMU #48882 DTE, v1 PTE and event log; reference
/// sev-tio-stack.md §4.2 for the sDTE). Expected images are built here bit by bit with a BigInteger, not with the model's
/// field tables.
/// </summary>
public sealed class IommuLayoutTests
{
    [Fact]
    public void DeviceTableEntry_FieldsSitAtTheirSpecifiedBits()
    {
        var dte = DeviceTableEntry.Translated(domainId: 0xBEEF, pageTableRoot: 0x0000_0012_3456_7000, levels: 4, read: true, write: false);

        var expected = Bits(
            (0, 1, 1), // V
            (1, 1, 1), // TV
            (9, 3, 4), // Mode
            (12, 40, 0x0000_0012_3456_7000UL >> 12), // host page table root pointer
            (61, 1, 1), // IR
            (62, 1, 0), // IW
            (64, 16, 0xBEEF)); // DomainID
        Assert.Equal(Image(expected, 32), Encode(dte));
        Assert.Equal(dte, DeviceTableEntry.Decode(Image(expected, 32)));
    }

    [Fact]
    public void IoPageTableEntry_DirectoryAndLeafBits()
    {
        var pde = IoPageTableEntry.Directory(0x0000_00AB_CDEF_0000, nextLevel: 3, read: true, write: true);
        var pte = IoPageTableEntry.Leaf(0x0000_0001_2345_6000, read: true, write: false);

        Assert.Equal((ulong)Bits((0, 1, 1), (9, 3, 3), (12, 40, 0xAB_CDEF_0000UL >> 12), (61, 1, 1), (62, 1, 1)), pde.Raw);
        Assert.Equal((ulong)Bits((0, 1, 1), (9, 3, 0), (12, 40, 0x1_2345_6000UL >> 12), (61, 1, 1)), pte.Raw);
    }

    [Fact]
    public void SecureDeviceTableEntry_FieldsSitAtTheReferenceBits()
    {
        var sdte = default(SecureDeviceTableEntry);
        sdte.Valid = true;
        sdte.Read = true;
        sdte.Write = true;
        sdte.DomainId = 0x1234;
        sdte.Asid = 0xABC; // 12 bits
        sdte.GuestDeviceId = 0x0810;
        sdte.GuestId = 0x5555;
        sdte.GuestIdMustBeOne = true;
        sdte.Vmpl = 2;
        sdte.SetField(SecureDeviceTableEntry.SecurityAttributesField, 0xA5);
        sdte.SetIdeStreamId(0, 0x11);
        sdte.SetIdeStreamId(7, 0xFF);
        sdte.VTomEnable = true;
        sdte.VTomUnits = 0x7FFF_FFFF; // the seed kernel's raw value
        sdte.RootPortId = 0x1D;

        var expected = Bits(
            (0, 1, 1), // V
            (61, 1, 1), // IR
            (62, 1, 1), // IW
            (64, 16, 0x1234), // domain_id b79:64
            (192, 12, 0xABC), // ASID b203:192
            (208, 16, 0x0810), // guest_device_id b223:208
            (224, 15, 0x5555), // guest_id b238:224
            (239, 1, 1), // guest_id MBO
            (241, 2, 2), // VMPL b242:241
            (248, 8, 0xA5), // SA b255:248
            (256, 8, 0x11), // ide_stream_id[0] = byte 32
            (256 + 56, 8, 0xFF), // ide_stream_id[7] = byte 39
            (320, 1, 1), // vTOM_EN
            (321, 31, 0x7FFF_FFFF), // vTOM b351:321
            (352, 5, 0x1D)); // rp_id b356:352
        var image = Image(expected, 64);
        Assert.Equal(image, Encode(sdte));
        Assert.Equal(sdte, SecureDeviceTableEntry.Decode(image));
        Assert.Equal(0x7FFF_FFFFUL << 21, sdte.VTom);
        Assert.All(image.AsSpan(48).ToArray(), b => Assert.Equal(0, b)); // bytes 48–63 reserved
    }

    [Fact]
    public void SecureDeviceTableEntry_GuestWritableSubsetIsExactlyTheSixFields()
    {
        var names = SecureDeviceTableEntry.GuestWritableFields.Select(f => f.Name).Order().ToArray();
        Assert.Equal(new[] { "IR", "IW", "V", "VMPL", "vTOM", "vTOM_EN" }.Order(), names);
    }

    [Fact]
    public void SecureDeviceTableEntry_LayoutFieldsDoNotOverlap()
    {
        var used = new bool[512];
        foreach (var field in SecureDeviceTableEntry.Layout)
        {
            for (var b = field.Offset; b < field.Offset + field.Width; b++)
            {
                Assert.False(used[b], $"{field} overlaps another field at bit {b}");
                used[b] = true;
            }
        }

        Assert.DoesNotContain(true, used[384..512]); // bytes 48–63 stay reserved
    }

    [Fact]
    public void IommuEvent_RmpPageFaultLayout()
    {
        var e = new IommuEvent(IommuEventCode.RmpPageFault, 0x4100, 0x0005, IommuEventFlags.Present | IommuEventFlags.Write, (byte)RmpViolation.NotValidated, 0x0000_0000_1234_5678);

        var expected = Bits(
            (0, 16, 0x4100), // DeviceID, dword 0 bits 15:0
            (16, 8, (ulong)RmpViolation.NotValidated), // FlagsRmp, dword 0 bits 23:16
            (32, 16, 0x0005), // VMG tag, dword 1 bits 15:0
            (48, 12, 0x030), // Flags, dword 1 bits 27:16 (PR 0x10 | RW 0x20)
            (60, 4, 0xD), // EventCode, dword 1 bits 31:28
            (64, 64, 0x1234_5678)); // address, dwords 2–3
        var image = Image(expected, 16);
        var actual = new byte[16];
        e.Encode(actual);
        Assert.Equal(image, actual);
        Assert.Equal(e, IommuEvent.Decode(image));
    }

    private static BigInteger Bits(params (int Offset, int Width, ulong Value)[] fields)
    {
        var v = BigInteger.Zero;
        foreach (var (offset, width, value) in fields)
        {
            Assert.True(width == 64 || value < 1UL << width);
            v |= new BigInteger(value) << offset;
        }

        return v;
    }

    private static byte[] Image(BigInteger value, int size)
    {
        var bytes = new byte[size];
        var raw = value.ToByteArray(isUnsigned: true, isBigEndian: false);
        raw.CopyTo(bytes, 0);
        return bytes;
    }

    private static byte[] Encode(DeviceTableEntry e)
    {
        var b = new byte[DeviceTableEntry.Size];
        e.Encode(b);
        return b;
    }

    private static byte[] Encode(SecureDeviceTableEntry e)
    {
        var b = new byte[SecureDeviceTableEntry.Size];
        e.Encode(b);
        return b;
    }
}
