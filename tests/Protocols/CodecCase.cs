namespace SevTio.Protocols.Tests;

/// <summary>
/// One wire message for the codec suite: its encoded bytes and a function that decodes bytes and encodes the result
/// again (so exact-inverse and truncation checks are the same for every codec).
/// </summary>
public sealed record CodecCase(string Name, byte[] Bytes, Func<byte[], byte[]> DecodeEncode)
{
    public override string ToString() => Name;
}
