using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Spdm;

/// <summary>
/// The DSP0277 secured-message version negotiation carried as OpaqueData of KEY_EXCHANGE / KEY_EXCHANGE_RSP, in the
/// SPDM 1.2 general opaque data table (opaque data format 1): TotalElements u8, 3 reserved, then one element
/// {ID u8 = 0 (DMTF), VendorLen u8 = 0, OpaqueElementDataLen u16, data, zero padding to 4 bytes} whose data is
/// SMDataVersion u8 = 1, SMDataID u8 (1 = supported versions: VersionCount u8 + u16 list; 0 = selected version u16).
/// </summary>
public static class SecuredMessageOpaqueData
{
    public const string Name = "SPDM.OpaqueData";

    /// <summary>Secured Messages using SPDM 1.0 as a version entry (major 1, minor 0).</summary>
    public const ushort Version10 = 0x1000;

    private const byte SmDataVersion = 1;

    private const byte SmDataIdVersionSelection = 0;

    private const byte SmDataIdSupportedVersions = 1;

    public static byte[] EncodeSupportedVersions(IReadOnlyList<ushort> versions)
    {
        ArgumentNullException.ThrowIfNull(versions);
        var data = new byte[3 + (2 * versions.Count)];
        var w = new WireWriter(data);
        w.WriteByte(SmDataVersion);
        w.WriteByte(SmDataIdSupportedVersions);
        w.WriteByte(checked((byte)versions.Count));
        foreach (var v in versions)
        {
            w.WriteUInt16(v);
        }

        return EncodeTable(data);
    }

    public static byte[] EncodeVersionSelection(ushort version)
    {
        var data = new byte[4];
        var w = new WireWriter(data);
        w.WriteByte(SmDataVersion);
        w.WriteByte(SmDataIdVersionSelection);
        w.WriteUInt16(version);
        return EncodeTable(data);
    }

    /// <summary>The supported-version list of a requester's opaque data.</summary>
    public static ushort[] DecodeSupportedVersions(ReadOnlySpan<byte> opaqueData)
    {
        var reader = new WireReader(DecodeTable(opaqueData), Name + ".SupportedVersion");
        ReadSmHeader(ref reader, SmDataIdSupportedVersions);
        var count = reader.ReadByte("VersionCount");
        if (count == 0)
        {
            reader.Fail("VersionCount", "no version offered");
        }

        var versions = new ushort[count];
        for (var i = 0; i < count; i++)
        {
            versions[i] = reader.ReadUInt16("VersionsList");
        }

        reader.ExpectEnd();
        return versions;
    }

    /// <summary>The version a responder selected in its opaque data.</summary>
    public static ushort DecodeVersionSelection(ReadOnlySpan<byte> opaqueData)
    {
        var reader = new WireReader(DecodeTable(opaqueData), Name + ".VersionSelection");
        ReadSmHeader(ref reader, SmDataIdVersionSelection);
        var version = reader.ReadUInt16("SelectedVersion");
        reader.ExpectEnd();
        return version;
    }

    private static byte[] EncodeTable(ReadOnlySpan<byte> elementData)
    {
        var elementLength = 4 + elementData.Length;
        var padded = (elementLength + 3) & ~3;
        var bytes = new byte[4 + padded];
        var w = new WireWriter(bytes);
        w.WriteByte(1);
        w.WriteZeros(3);
        w.WriteByte(0);
        w.WriteByte(0);
        w.WriteUInt16((ushort)elementData.Length);
        w.WriteBytes(elementData);
        return bytes;
    }

    private static ReadOnlySpan<byte> DecodeTable(ReadOnlySpan<byte> opaqueData)
    {
        var reader = new WireReader(opaqueData, Name);
        var total = reader.ReadByte("TotalElements");
        if (total != 1)
        {
            reader.Fail("TotalElements", $"{total} elements; exactly one DSP0277 element is expected");
        }

        reader.Skip(3, "Reserved");
        var id = reader.ReadByte("OpaqueElement.ID");
        if (id != 0)
        {
            reader.Fail("OpaqueElement.ID", $"registry 0x{id:X2} is not DMTF (0)");
        }

        var vendorLength = reader.ReadByte("OpaqueElement.VendorLen");
        reader.Skip(vendorLength, "OpaqueElement.VendorID");
        var dataLength = reader.ReadUInt16("OpaqueElement.OpaqueElementDataLen");
        var data = reader.ReadBytes(dataLength, "OpaqueElement.OpaqueElementData");
        var consumed = reader.Position;
        var padding = ((consumed + 3) & ~3) - consumed;
        reader.Skip(padding, "OpaqueElement.AlignPadding");
        reader.ExpectEnd();
        return data;
    }

    private static void ReadSmHeader(ref WireReader reader, byte expectedId)
    {
        var smVersion = reader.ReadByte("SMDataVersion");
        if (smVersion != SmDataVersion)
        {
            reader.Fail("SMDataVersion", $"{smVersion} is not 1");
        }

        var smId = reader.ReadByte("SMDataID");
        if (smId != expectedId)
        {
            reader.Fail("SMDataID", $"{smId} is not {expectedId}");
        }
    }
}
