using System.Buffers.Binary;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Ghcb;

/// <summary>
/// A view of the 4 KiB GHCB page shared by guest and hypervisor (arch/x86/include/asm/svm.h <c>struct ghcb</c>):
/// save area @0x000 (valid bitmap @0x3F0, 16 bytes), shared buffer @0x800 (2032 bytes), protocol_version u16 @0xFFA,
/// ghcb_usage u32 @0xFFC.
/// </summary>
/// <remarks>
/// The writer marks each field it sets in the valid bitmap, as Linux <c>ghcb_set_*</c> does; the reader
/// (<see cref="Get"/>, <see cref="ReadExit"/>) refuses a field the guest did not mark valid, as KVM
/// <c>sev_es_validate_vmgexit</c> does, with a <see cref="ProtocolFormatException"/> naming the field.
/// </remarks>
public readonly ref struct GhcbPage
{
    public const int Size = 4096;

    /// <summary>Bytes of <c>struct ghcb_save_area</c> (<c>EXPECTED_GHCB_SAVE_AREA_SIZE</c>).</summary>
    public const int SaveAreaSize = 1032;

    public const int ValidBitmapOffset = 0x3F0;
    public const int ValidBitmapLength = 16;
    public const int SharedBufferOffset = 0x800;

    /// <summary><c>GHCB_SHARED_BUF_SIZE</c>.</summary>
    public const int SharedBufferSize = 2032;

    public const int ProtocolVersionOffset = 0xFFA;
    public const int UsageOffset = 0xFFC;

    /// <summary>GHCB protocol version with SNP support (<c>GHCB_PROTOCOL_MAX</c>).</summary>
    public const ushort ProtocolVersion2 = 2;

    /// <summary><c>GHCB_DEFAULT_USAGE</c>.</summary>
    public const uint DefaultUsage = 0;

    private readonly Span<byte> _page;

    public GhcbPage(Span<byte> page)
    {
        if (page.Length != Size)
        {
            throw new ArgumentException($"a GHCB is {Size} bytes, got {page.Length}", nameof(page));
        }

        _page = page;
    }

    public Span<byte> Bytes => _page;

    public Span<byte> SharedBuffer => _page.Slice(SharedBufferOffset, SharedBufferSize);

    public ushort ProtocolVersion
    {
        get => BinaryPrimitives.ReadUInt16LittleEndian(_page[ProtocolVersionOffset..]);
        set => BinaryPrimitives.WriteUInt16LittleEndian(_page[ProtocolVersionOffset..], value);
    }

    public uint Usage
    {
        get => BinaryPrimitives.ReadUInt32LittleEndian(_page[UsageOffset..]);
        set => BinaryPrimitives.WriteUInt32LittleEndian(_page[UsageOffset..], value);
    }

    /// <summary>Bit index of a field in the valid bitmap.</summary>
    public static int BitmapIndexOf(GhcbField field) => (int)field / 8;

    /// <summary>Writes a field and marks it valid.</summary>
    public void Set(GhcbField field, ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_page[(int)field..], value);
        var index = BitmapIndexOf(field);
        _page[ValidBitmapOffset + (index >> 3)] |= (byte)(1 << (index & 7));
    }

    public bool IsValid(GhcbField field)
    {
        var index = BitmapIndexOf(field);
        return (_page[ValidBitmapOffset + (index >> 3)] & (1 << (index & 7))) != 0;
    }

    /// <summary>The field's bytes, whether or not it is marked valid.</summary>
    public ulong GetRaw(GhcbField field) => BinaryPrimitives.ReadUInt64LittleEndian(_page[(int)field..]);

    /// <summary>A field the other side must have marked valid; otherwise a format error naming it.</summary>
    public ulong Get(GhcbField field)
    {
        if (!IsValid(field))
        {
            throw new ProtocolFormatException($"GHCB.{field}", "not marked valid in the valid bitmap");
        }

        return GetRaw(field);
    }

    public bool TryGet(GhcbField field, out ulong value)
    {
        value = IsValid(field) ? GetRaw(field) : 0;
        return IsValid(field);
    }

    /// <summary>Clears SW_EXITCODE and the valid bitmap before building a new request (Linux <c>vc_ghcb_invalidate</c>).</summary>
    public void Invalidate()
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_page[(int)GhcbField.SwExitCode..], 0);
        _page.Slice(ValidBitmapOffset, ValidBitmapLength).Clear();
    }

    /// <summary>Sets SW_EXITCODE, SW_EXITINFO1 and SW_EXITINFO2 (the guest side of <c>sev_es_ghcb_hv_call</c>).</summary>
    public void WriteExit(VmgExitCode exitCode, ulong exitInfo1, ulong exitInfo2)
    {
        Set(GhcbField.SwExitCode, (ulong)exitCode);
        Set(GhcbField.SwExitInfo1, exitInfo1);
        Set(GhcbField.SwExitInfo2, exitInfo2);
    }

    /// <summary>Reads the exit request; all three fields must be marked valid.</summary>
    public GhcbExit ReadExit() => new((VmgExitCode)Get(GhcbField.SwExitCode), Get(GhcbField.SwExitInfo1), Get(GhcbField.SwExitInfo2));
}
