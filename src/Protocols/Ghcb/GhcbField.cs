namespace SevTio.Protocols.Ghcb;

/// <summary>
/// The u64 fields of the GHCB save area, by byte offset (arch/x86/include/asm/svm.h <c>struct ghcb_save_area</c>).
/// A field's bit in the valid bitmap is its offset / 8 (<c>GHCB_BITMAP_IDX</c>).
/// </summary>
public enum GhcbField : ushort
{
    Xss = 0x140,
    Dr7 = 0x160,
    Rip = 0x178,
    Rsp = 0x1D8,
    Rax = 0x1F8,
    Rcx = 0x308,
    Rdx = 0x310,
    Rbx = 0x318,
    Rbp = 0x328,
    Rsi = 0x330,
    Rdi = 0x338,
    R8 = 0x340,
    R9 = 0x348,
    R10 = 0x350,
    R11 = 0x358,
    R12 = 0x360,
    R13 = 0x368,
    R14 = 0x370,
    R15 = 0x378,
    SwExitCode = 0x390,
    SwExitInfo1 = 0x398,
    SwExitInfo2 = 0x3A0,
    SwScratch = 0x3A8,
    Xcr0 = 0x3E8,
}
