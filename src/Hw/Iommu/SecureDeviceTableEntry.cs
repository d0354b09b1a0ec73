using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using SevTio.Hw.Memory;

namespace SevTio.Hw.Iommu;

/// <summary>
/// The 512-bit (64-byte) secure device table entry of one TDI, owned by the PSP (seed series <c>struct sdte</c>; SEV-TIO
/// spec #58271 tables 60–69 as quoted by openvmm; reference sev-tio-stack.md §4.2). Bit numbers count from bit 0 of byte 0:
/// <code>
///  0 V · 6:4 CXLIO · 52 PPR · 54 GIoV · 55 GV · 57:56 GLX · 60:58 GCR3[14:12] · 61 IR · 62 IW
///  79:64 DomainID · 95:80 GCR3[30:15] · 96 I · 102 EX · 103 SD · 106 SATS · 127:107 GCR3[51:31]
///  128 GIV · 132:129 IntTabLen · 179:134 IntTablePtr · 183:182 GPM · 187 HPT mode
///  203:192 ASID (12) · 207 vIOMMU_EN · 223:208 guest device id
///  238:224 guest id · 239 guest id MBO · 242:241 VMPL · 246 ATTRV · 255:248 SA
///  bytes 32–39 IDE stream id[0..7] · 320 vTOM_EN · 351:321 vTOM (2 MiB units, 31 bits) · 356:352 RP id
///  bytes 48–63 reserved
/// </code>
/// Only V, IR, IW, VMPL, vTOM_EN and vTOM are guest-writable (SDTE_WRITE, spec table 68); the rest is set by the PSP
/// and hypervisor. The IOMMU interprets V, IR, IW, VMPL, ASID, vTOM_EN and vTOM; every other field is carried.
/// </summary>
public struct SecureDeviceTableEntry : IEquatable<SecureDeviceTableEntry>
{
    public const int Size = 64;

    /// <summary>Bytes per vTOM unit (2 MiB).</summary>
    public const ulong VTomUnit = 2UL << 20;

    public static readonly BitField ValidField = new("V", 0, 1);
    public static readonly BitField CxlIoField = new("CXLIO", 4, 3);
    public static readonly BitField PprField = new("PPR", 52, 1);
    public static readonly BitField GuestIoProtectionField = new("GIoV", 54, 1);
    public static readonly BitField GuestTranslationValidField = new("GV", 55, 1);
    public static readonly BitField GuestLevelsField = new("GLX", 56, 2);
    public static readonly BitField Gcr3LowField = new("GCR3[14:12]", 58, 3);
    public static readonly BitField ReadField = new("IR", 61, 1);
    public static readonly BitField WriteField = new("IW", 62, 1);
    public static readonly BitField DomainIdField = new("DomainID", 64, 16);
    public static readonly BitField Gcr3MidField = new("GCR3[30:15]", 80, 16);
    public static readonly BitField InterruptField = new("I", 96, 1);
    public static readonly BitField ExclusionField = new("EX", 102, 1);
    public static readonly BitField SuppressField = new("SD", 103, 1);
    public static readonly BitField SecureAtsField = new("SATS", 106, 1);
    public static readonly BitField Gcr3HighField = new("GCR3[51:31]", 107, 21);
    public static readonly BitField GuestInterruptValidField = new("GIV", 128, 1);
    public static readonly BitField InterruptTableLengthField = new("IntTabLen", 129, 4);
    public static readonly BitField InterruptTablePointerField = new("IntTablePtr", 134, 46);
    public static readonly BitField GuestPagingModeField = new("GPM", 182, 2);
    public static readonly BitField HostPageTableModeField = new("HPT mode", 187, 1);
    public static readonly BitField AsidField = new("ASID", 192, 12);
    public static readonly BitField ViommuEnableField = new("vIOMMU_EN", 207, 1);
    public static readonly BitField GuestDeviceIdField = new("guest_device_id", 208, 16);
    public static readonly BitField GuestIdField = new("guest_id", 224, 15);
    public static readonly BitField GuestIdMbOneField = new("guest_id MBO", 239, 1);
    public static readonly BitField VmplField = new("VMPL", 241, 2);
    public static readonly BitField AttributeValidField = new("ATTRV", 246, 1);
    public static readonly BitField SecurityAttributesField = new("SA", 248, 8);
    public static readonly BitField VTomEnableField = new("vTOM_EN", 320, 1);
    public static readonly BitField VTomField = new("vTOM", 321, 31);
    public static readonly BitField RootPortIdField = new("rp_id", 352, 5);

    /// <summary>Bit offset of ide_stream_id[0] (byte 32); the eight ids are consecutive bytes.</summary>
    public const int IdeStreamIdOffset = 256;

    /// <summary>The whole layout, in bit order (registers as data); IDE stream ids are <see cref="IdeStreamIdField"/>.</summary>
    public static readonly IReadOnlyList<BitField> Layout =
    [
        ValidField, CxlIoField, PprField, GuestIoProtectionField, GuestTranslationValidField, GuestLevelsField, Gcr3LowField,
        ReadField, WriteField, DomainIdField, Gcr3MidField, InterruptField, ExclusionField, SuppressField, SecureAtsField,
        Gcr3HighField, GuestInterruptValidField, InterruptTableLengthField, InterruptTablePointerField, GuestPagingModeField,
        HostPageTableModeField, AsidField, ViommuEnableField, GuestDeviceIdField, GuestIdField, GuestIdMbOneField, VmplField,
        AttributeValidField, SecurityAttributesField,
        IdeStreamIdField(0), IdeStreamIdField(1), IdeStreamIdField(2), IdeStreamIdField(3),
        IdeStreamIdField(4), IdeStreamIdField(5), IdeStreamIdField(6), IdeStreamIdField(7),
        VTomEnableField, VTomField, RootPortIdField,
    ];

    /// <summary>The guest-writable subset (SDTE_WRITE; spec #58271 table 68 as quoted by openvmm).</summary>
    public static readonly IReadOnlyList<BitField> GuestWritableFields = [ValidField, ReadField, WriteField, VmplField, VTomEnableField, VTomField];

    private Words _words;

    public bool Valid { readonly get => Get(ValidField) != 0; set => Set(ValidField, value ? 1UL : 0); }

    public bool Read { readonly get => Get(ReadField) != 0; set => Set(ReadField, value ? 1UL : 0); }

    public bool Write { readonly get => Get(WriteField) != 0; set => Set(WriteField, value ? 1UL : 0); }

    public ushort DomainId { readonly get => (ushort)Get(DomainIdField); set => Set(DomainIdField, value); }

    /// <summary>The guest's ASID (12 bits): private accesses use its memory key and must hit its pages.</summary>
    public int Asid { readonly get => (int)Get(AsidField); set => Set(AsidField, (ulong)value); }

    public ushort GuestDeviceId { readonly get => (ushort)Get(GuestDeviceIdField); set => Set(GuestDeviceIdField, value); }

    public int GuestId { readonly get => (int)Get(GuestIdField); set => Set(GuestIdField, (ulong)value); }

    public bool GuestIdMustBeOne { readonly get => Get(GuestIdMbOneField) != 0; set => Set(GuestIdMbOneField, value ? 1UL : 0); }

    /// <summary>The VMPL the device's private accesses are checked at (RMP VMPL permission masks).</summary>
    public int Vmpl { readonly get => (int)Get(VmplField); set => Set(VmplField, (ulong)value); }

    public bool VTomEnable { readonly get => Get(VTomEnableField) != 0; set => Set(VTomEnableField, value ? 1UL : 0); }

    /// <summary>The vTOM field in 2 MiB units.</summary>
    public uint VTomUnits { readonly get => (uint)Get(VTomField); set => Set(VTomField, value); }

    /// <summary>vTOM as a byte address: DMA addresses below it are private, at or above it shared.</summary>
    public readonly ulong VTom => VTomUnits * VTomUnit;

    public int RootPortId { readonly get => (int)Get(RootPortIdField); set => Set(RootPortIdField, (ulong)value); }

    /// <summary>The raw 64-bit word <paramref name="index"/> (0–7).</summary>
    public readonly ulong GetWord(int index) => _words[index];

    public void SetWord(int index, ulong value) => _words[index] = value;

    /// <summary>Reads any field of <see cref="Layout"/>.</summary>
    public readonly ulong GetField(BitField field) => Get(field);

    /// <summary>Writes any field of <see cref="Layout"/>; throws when the value does not fit.</summary>
    public void SetField(BitField field, ulong value) => Set(field, value);

    /// <summary>The field of IDE stream id <paramref name="index"/> (byte 32 + index).</summary>
    public static BitField IdeStreamIdField(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 7);
        return new BitField($"ide_stream_id[{index}]", IdeStreamIdOffset + (index * 8), 8);
    }

    public readonly byte GetIdeStreamId(int index) => (byte)Get(IdeStreamIdField(index));

    public void SetIdeStreamId(int index, byte streamId) => Set(IdeStreamIdField(index), streamId);

    /// <summary>Sets vTOM from a byte address, which must be a multiple of 2 MiB that fits the 31-bit field.</summary>
    public void SetVTom(ulong vTom)
    {
        if (vTom % VTomUnit != 0 || vTom / VTomUnit > VTomField.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(vTom), vTom, "vTOM must be a multiple of 2 MiB below 2^52");
        }

        VTomUnits = (uint)(vTom / VTomUnit);
    }

    /// <summary>
    /// Copies exactly the guest-writable fields (V, IR, IW, VMPL, vTOM_EN, vTOM) from <paramref name="guestEntry"/>,
    /// leaving every PSP/hypervisor-owned field as it is — what the PSP applies on TIO_MSG_SDTE_WRITE_REQ.
    /// </summary>
    public void ApplyGuestWritableFields(in SecureDeviceTableEntry guestEntry)
    {
        foreach (var field in GuestWritableFields)
        {
            Set(field, guestEntry.Get(field));
        }
    }

    public static SecureDeviceTableEntry Decode(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new ArgumentException($"a secure device table entry is {Size} bytes", nameof(source));
        }

        var entry = default(SecureDeviceTableEntry);
        for (var i = 0; i < 8; i++)
        {
            entry._words[i] = BinaryPrimitives.ReadUInt64LittleEndian(source[(i * 8)..]);
        }

        return entry;
    }

    public readonly void Encode(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"a secure device table entry is {Size} bytes", nameof(destination));
        }

        for (var i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination[(i * 8)..], _words[i]);
        }
    }

    public readonly bool Equals(SecureDeviceTableEntry other)
    {
        for (var i = 0; i < 8; i++)
        {
            if (_words[i] != other._words[i])
            {
                return false;
            }
        }

        return true;
    }

    public override readonly bool Equals(object? obj) => obj is SecureDeviceTableEntry other && Equals(other);

    public override readonly int GetHashCode()
    {
        var hash = new HashCode();
        for (var i = 0; i < 8; i++)
        {
            hash.Add(_words[i]);
        }

        return hash.ToHashCode();
    }

    public static bool operator ==(SecureDeviceTableEntry left, SecureDeviceTableEntry right) => left.Equals(right);

    public static bool operator !=(SecureDeviceTableEntry left, SecureDeviceTableEntry right) => !left.Equals(right);

    public override readonly string ToString() =>
        $"sDTE {{ V={Valid}, IR={Read}, IW={Write}, ASID={Asid}, VMPL={Vmpl}, vTOM_EN={VTomEnable}, vTOM=0x{VTom:X}, guest_device_id=0x{GuestDeviceId:X4} }}";

    private readonly ulong Get(BitField field) => field.Get(_words[field.Word]);

    private void Set(BitField field, ulong value) => _words[field.Word] = field.Set(_words[field.Word], value);

    [InlineArray(8)]
    private struct Words
    {
        private ulong _element0;
    }
}
