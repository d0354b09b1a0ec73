using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tdisp;

/// <summary>TDISP_VERSION: VERSION_NUM_COUNT u8, then one version byte per entry (major [7:4], minor [3:0]).</summary>
public sealed class TdispVersionResponse : TdispMessage
{
    public TdispVersionResponse(TdispInterfaceId interfaceId, IReadOnlyList<byte> versions, byte version = TdispHeader.Version10)
        : base(interfaceId, version)
    {
        ArgumentNullException.ThrowIfNull(versions);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(versions.Count, byte.MaxValue);
        Versions = versions;
    }

    public IReadOnlyList<byte> Versions { get; }

    public override TdispMessageType MessageType => TdispMessageType.TdispVersion;

    protected override int PayloadLength => 1 + Versions.Count;

    protected override void WritePayload(ref WireWriter writer)
    {
        writer.WriteByte((byte)Versions.Count);
        foreach (var v in Versions)
        {
            writer.WriteByte(v);
        }
    }

    internal static TdispVersionResponse ReadPayload(ref WireReader reader, TdispInterfaceId id, byte version)
    {
        var count = reader.ReadByte("VERSION_NUM_COUNT");
        var versions = reader.ReadBytes(count, "VERSION_NUM_ENTRY").ToArray();
        return new TdispVersionResponse(id, versions, version);
    }
}
