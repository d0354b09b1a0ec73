using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Ghcb;

/// <summary>
/// The table the hypervisor writes at the start of the guest's shared data buffer (RAX/RBX of
/// SEV_TIO_GUEST_REQUEST) to hand over certificates, measurements and the interface report: up to three
/// <see cref="TioBlobEntry"/> slots, ended early by a null GUID (Linux <c>guest_request_tio_data</c>).
/// </summary>
/// <remarks>
/// The hypervisor is untrusted, so <see cref="Decode"/> refuses a blob that runs outside the buffer, overlaps the
/// table slots that were read, or overlaps another blob, and a GUID listed twice. Zero-length entries are skipped, as
/// Linux skips them; unknown GUIDs are kept (Linux ignores them).
/// </remarks>
public sealed class TioBlobTable
{
    public const int MaxEntries = 3;

    /// <summary>Bytes the table occupies when all three slots are used; <see cref="Write"/> puts blobs after it.</summary>
    public const int TableSize = MaxEntries * TioBlobEntry.Size;

    /// <summary>Default data buffer of the Linux guest: 32 KiB (8 pages).</summary>
    public const int DefaultBufferSize = 32 * 1024;

    private const string Message = "TIO_BLOB_TABLE";

    private readonly TioBlobEntry[] _entries;

    public TioBlobTable(IReadOnlyList<TioBlobEntry> entries)
    {
        if (entries.Count > MaxEntries)
        {
            throw new ArgumentOutOfRangeException(nameof(entries), entries.Count, $"at most {MaxEntries} entries");
        }

        foreach (var entry in entries)
        {
            if (entry.Guid == Guid.Empty)
            {
                throw new ArgumentException("the null GUID ends the table; it cannot name a blob", nameof(entries));
            }
        }

        _entries = [.. entries];
    }

    public IReadOnlyList<TioBlobEntry> Entries => _entries;

    /// <summary>Bytes a buffer needs for the table and these blobs (the hypervisor answers INVALID_LEN if the guest's is smaller).</summary>
    public static int RequiredSize(ReadOnlySpan<byte> certificates, ReadOnlySpan<byte> measurements, ReadOnlySpan<byte> report) =>
        checked(TableSize + certificates.Length + measurements.Length + report.Length);

    /// <summary>
    /// Writes the table (one entry per non-empty blob, in the order certificates, measurements, report) and the blobs
    /// right after the three slots; zeroes unused slots. Returns the bytes used.
    /// </summary>
    public static int Write(Span<byte> buffer, ReadOnlySpan<byte> certificates, ReadOnlySpan<byte> measurements, ReadOnlySpan<byte> report)
    {
        var size = RequiredSize(certificates, measurements, report);
        if (buffer.Length < size)
        {
            throw new ArgumentException($"buffer is {buffer.Length} bytes, needs {size}", nameof(buffer));
        }

        buffer[..TableSize].Clear();
        var slot = 0;
        var offset = TableSize;
        Place(buffer, ref slot, ref offset, TioBlobGuids.Certificates, certificates);
        Place(buffer, ref slot, ref offset, TioBlobGuids.Measurements, measurements);
        Place(buffer, ref slot, ref offset, TioBlobGuids.Report, report);
        return offset;
    }

    /// <summary>Writes the table only (entries as given, the rest of the three slots zero); blobs are the caller's.</summary>
    public int Encode(Span<byte> buffer)
    {
        if (buffer.Length < TableSize)
        {
            throw new ArgumentException($"buffer is {buffer.Length} bytes, the table needs {TableSize}", nameof(buffer));
        }

        buffer[..TableSize].Clear();
        for (var i = 0; i < _entries.Length; i++)
        {
            WriteEntry(buffer[(i * TioBlobEntry.Size)..], _entries[i]);
        }

        return TableSize;
    }

    public static TioBlobTable Decode(ReadOnlySpan<byte> buffer)
    {
        var reader = new WireReader(buffer, Message);
        var entries = new List<TioBlobEntry>(MaxEntries);
        for (var i = 0; i < MaxEntries; i++)
        {
            var guid = new Guid(reader.ReadBytes(16, $"entry[{i}].guid"));
            if (guid == Guid.Empty)
            {
                break;
            }

            var offset = reader.ReadUInt32($"entry[{i}].offset");
            var length = reader.ReadUInt32($"entry[{i}].length");
            entries.Add(new TioBlobEntry(guid, offset, length));
        }

        // The slots read, including a null terminator, are the table; no blob may overlap them.
        var tableEnd = (ulong)Math.Min(MaxEntries, entries.Count + 1) * TioBlobEntry.Size;
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            for (var j = 0; j < i; j++)
            {
                if (entries[j].Guid == entry.Guid)
                {
                    reader.Fail($"entry[{i}].guid", $"{entry.Guid} is listed twice (entry[{j}])");
                }
            }

            if (entry.Length == 0)
            {
                continue;
            }

            var end = (ulong)entry.Offset + entry.Length;
            if (end > (ulong)buffer.Length)
            {
                reader.Fail($"entry[{i}].length", $"blob [{entry.Offset}, {end}) runs past the {buffer.Length}-byte buffer");
            }

            if (entry.Offset < tableEnd)
            {
                reader.Fail($"entry[{i}].offset", $"blob at {entry.Offset} overlaps the table (first {tableEnd} bytes)");
            }

            for (var j = 0; j < i; j++)
            {
                var other = entries[j];
                if (other.Length != 0 && entry.Offset < (ulong)other.Offset + other.Length && other.Offset < end)
                {
                    reader.Fail($"entry[{i}].offset", $"blob [{entry.Offset}, {end}) overlaps entry[{j}] [{other.Offset}, {(ulong)other.Offset + other.Length})");
                }
            }
        }

        return new TioBlobTable(entries);
    }

    public bool TryGetEntry(Guid guid, out TioBlobEntry entry)
    {
        foreach (var candidate in _entries)
        {
            if (candidate.Guid == guid)
            {
                entry = candidate;
                return true;
            }
        }

        entry = default;
        return false;
    }

    /// <summary>
    /// The blob named <paramref name="guid"/> in the buffer this table was decoded from; empty if absent or empty. An
    /// empty blob's offset is not checked by <see cref="Decode"/> (it names no bytes), so it is not used here either.
    /// </summary>
    public ReadOnlySpan<byte> GetBlob(ReadOnlySpan<byte> buffer, Guid guid) =>
        TryGetEntry(guid, out var entry) && entry.Length != 0 ? buffer.Slice((int)entry.Offset, (int)entry.Length) : default;

    private static void Place(Span<byte> buffer, ref int slot, ref int offset, Guid guid, ReadOnlySpan<byte> blob)
    {
        if (blob.IsEmpty)
        {
            return;
        }

        WriteEntry(buffer[(slot * TioBlobEntry.Size)..], new TioBlobEntry(guid, (uint)offset, (uint)blob.Length));
        blob.CopyTo(buffer[offset..]);
        slot++;
        offset += blob.Length;
    }

    private static void WriteEntry(Span<byte> slot, TioBlobEntry entry)
    {
        var writer = new WireWriter(slot);
        entry.Guid.TryWriteBytes(writer.Reserve(16));
        writer.WriteUInt32(entry.Offset);
        writer.WriteUInt32(entry.Length);
    }
}
