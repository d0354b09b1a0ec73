namespace SevTio.Protocols.Psp;

/// <summary>
/// A structure the PSP writes to a page the host named in a command (status page, data page): fixed size, starts with
/// its u32 length (except the bare u64 fence status).
/// </summary>
public interface IPspOutputStructure<TSelf>
    where TSelf : struct, IPspOutputStructure<TSelf>
{
    static abstract int EncodedSize { get; }

    int Encode(Span<byte> destination);

    static abstract TSelf Decode(ReadOnlySpan<byte> source);
}
