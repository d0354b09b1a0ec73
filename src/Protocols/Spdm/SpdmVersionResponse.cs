using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>VERSION (0x04): Reserved u8, VersionNumberEntryCount u8, then that many u16 version entries.</summary>
public sealed class SpdmVersionResponse : SpdmMessage
{
    public const string Name = "SPDM.VERSION";

    public SpdmVersionResponse(IReadOnlyList<ushort> entries, byte version = SpdmVersion.V10)
        : base(version)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count > byte.MaxValue)
        {
            throw new ArgumentException("at most 255 version entries", nameof(entries));
        }

        Entries = entries;
    }

    public IReadOnlyList<ushort> Entries { get; }

    public override SpdmRequestResponseCode Code => SpdmRequestResponseCode.Version;

    public override int EncodedLength => SpdmHeader.Size + 2 + (2 * Entries.Count);

    public override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, 0, 0);
        writer.WriteByte(0);
        writer.WriteByte((byte)Entries.Count);
        foreach (var entry in Entries)
        {
            writer.WriteUInt16(entry);
        }
    }

    public static SpdmVersionResponse Read(ref WireReader reader)
    {
        var header = SpdmHeader.Read(ref reader, SpdmRequestResponseCode.Version);
        reader.Skip(1, "Reserved");
        var count = reader.ReadByte("VersionNumberEntryCount");
        var entries = new ushort[count];
        for (var i = 0; i < count; i++)
        {
            entries[i] = reader.ReadUInt16("VersionNumberEntry");
        }

        return new SpdmVersionResponse(entries, header.Version);
    }

    public static SpdmVersionResponse Decode(ReadOnlySpan<byte> message) => DecodeExact(message, Name, Read);
}
