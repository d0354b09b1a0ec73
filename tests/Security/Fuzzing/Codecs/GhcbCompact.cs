using System.Buffers.Binary;
using SevTio.Protocols.Ghcb;

namespace SevTio.Security.Tests.Fuzzing.Codecs;

/// <summary>
/// The part of a GHCB page an exit handler reads, as one compact block: exit code, exit info 1 and 2, RAX, RBX, RCX,
/// RDX, SW_SCRATCH, the valid bitmap and the shared buffer. A mutation of a whole 4 KiB page mostly lands on bytes
/// nobody reads; mutating this block and laying it out at the GHCB offsets puts every mutation on a field.
/// </summary>
internal static class GhcbCompact
{
    public static readonly GhcbField[] Fields =
        [GhcbField.SwExitCode, GhcbField.SwExitInfo1, GhcbField.SwExitInfo2, GhcbField.Rax, GhcbField.Rbx, GhcbField.Rcx, GhcbField.Rdx, GhcbField.SwScratch];

    public const int BitmapAt = 8 * 8;
    public const int SharedAt = BitmapAt + GhcbPage.ValidBitmapLength;

    /// <summary>The longest block.</summary>
    public const int Length = SharedAt + GhcbPage.SharedBufferSize;

    /// <summary>The compact block an exit handler reads, taken from a page the guest wrote.</summary>
    public static byte[] Compact(Action<GhcbPage> write)
    {
        var page = new byte[GhcbPage.Size];
        write(new GhcbPage(page));
        var compact = new byte[SharedAt + GhcbPage.SharedBufferSize];
        for (var i = 0; i < Fields.Length; i++)
        {
            page.AsSpan((int)Fields[i], 8).CopyTo(compact.AsSpan(8 * i));
        }

        page.AsSpan(GhcbPage.ValidBitmapOffset, GhcbPage.ValidBitmapLength).CopyTo(compact.AsSpan(BitmapAt));
        page.AsSpan(GhcbPage.SharedBufferOffset, GhcbPage.SharedBufferSize).CopyTo(compact.AsSpan(SharedAt));

        // Trailing zeros of the shared buffer carry nothing: keep the block short so mutations land on fields.
        var used = compact.Length;
        while (used > SharedAt && compact[used - 1] == 0)
        {
            used--;
        }

        return compact[..used];
    }

    /// <summary>Lays a (possibly mutated) compact block out into a GHCB page; missing bytes are zero, excess is dropped.</summary>
    public static byte[] Materialize(byte[] compact)
    {
        var page = new byte[GhcbPage.Size];
        Span<byte> block = stackalloc byte[SharedAt + GhcbPage.SharedBufferSize];
        compact.AsSpan(0, Math.Min(compact.Length, block.Length)).CopyTo(block);
        for (var i = 0; i < Fields.Length; i++)
        {
            block.Slice(8 * i, 8).CopyTo(page.AsSpan((int)Fields[i]));
        }

        block.Slice(BitmapAt, GhcbPage.ValidBitmapLength).CopyTo(page.AsSpan(GhcbPage.ValidBitmapOffset));
        block[SharedAt..].CopyTo(page.AsSpan(GhcbPage.SharedBufferOffset));
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(GhcbPage.ProtocolVersionOffset), GhcbPage.ProtocolVersion2);
        return page;
    }
}
