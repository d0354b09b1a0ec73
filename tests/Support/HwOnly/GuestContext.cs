using SevTio.Hw.Device;
using SevTio.Hw.Rmp;
using SevTio.Hw.Platform;

namespace SevTio.TestSupport.HwOnly;

/// <summary>
/// What the bring-up leaves the guest with: its ASID, nested mapping and memory view, whether DMA memory is private
/// (T=1 below vTOM) or shared, where the DMA ring, completion records and DMA window are, and the MMIO path to the
/// device's DMA registers (T=1 on the bound stream when the TDI runs).
/// </summary>
internal sealed class GuestContext
{
    internal GuestContext(SevTioPlatform platform, GuestPhysicalMap map, GuestMemoryView view, bool @private)
    {
        Platform = platform;
        Map = map;
        View = view;
        Private = @private;
    }

    public SevTioPlatform Platform { get; }

    public int Asid => HwOnlyBringUp.GuestAsid;

    public GuestPhysicalMap Map { get; }

    /// <summary>The guest CPU's view of its memory (RMP-checked, encrypted for private pages).</summary>
    public GuestMemoryView View { get; }

    /// <summary>True when DMA goes to private memory with T=1 (IDE and TDISP); false for T=0 into shared pages.</summary>
    public bool Private { get; }

    /// <summary>The descriptor ring: <see cref="HwOnlyBringUp.RingEntries"/> × 64 bytes.</summary>
    public ulong RingGpa => SevTioPlatform.ControlAreaBase;

    /// <summary>Completion records: one 16-byte slot per ring entry.</summary>
    public ulong CompletionGpa => SevTioPlatform.ControlAreaBase + 0x1000;

    /// <summary>Start of the DMA window (GPA = IOVA).</summary>
    public ulong WindowGpa => SevTioPlatform.DmaWindowBase;

    public ulong WindowBytes => Platform.WindowBytes;

    /// <summary>MMIO write to a DMA engine register, as the guest's driver does it.</summary>
    public bool WriteRegister(int offset, uint value) =>
        Platform.Device.MmioWrite(TdispDevice.RegisterBar, offset, value, Private, Private ? HwOnlyBringUp.StreamId : null);

    /// <summary>MMIO read of a DMA engine register.</summary>
    public uint ReadRegister(int offset) =>
        Platform.Device.MmioRead(TdispDevice.RegisterBar, offset, Private, Private ? HwOnlyBringUp.StreamId : null);

    /// <summary>The guest CPU writes (encrypted for private memory).</summary>
    public void Write(ulong gpa, ReadOnlySpan<byte> data)
    {
        var r = View.Write(gpa, data, encrypted: Private);
        if (!r.Succeeded)
        {
            throw new InvalidOperationException($"guest write at 0x{gpa:X} faulted: {r}");
        }
    }

    /// <summary>The guest CPU reads (decrypted for private memory).</summary>
    public void Read(ulong gpa, Span<byte> data)
    {
        var r = View.Read(gpa, data, encrypted: Private);
        if (!r.Succeeded)
        {
            throw new InvalidOperationException($"guest read at 0x{gpa:X} faulted: {r}");
        }
    }

    /// <summary>Writes a descriptor into ring slot <paramref name="slot"/>.</summary>
    public void WriteDescriptor(int slot, in DmaDescriptor descriptor)
    {
        Span<byte> bytes = stackalloc byte[DmaDescriptor.Bytes];
        descriptor.Write(bytes);
        Write(RingGpa + ((ulong)slot * DmaDescriptor.Bytes), bytes);
    }

    /// <summary>Reads the completion record of ring slot <paramref name="slot"/>.</summary>
    public DmaCompletionRecord ReadCompletion(int slot)
    {
        Span<byte> bytes = stackalloc byte[DmaCompletionRecord.Bytes];
        Read(CompletionGpa + ((ulong)slot * DmaCompletionRecord.Bytes), bytes);
        return DmaCompletionRecord.Read(bytes);
    }
}
