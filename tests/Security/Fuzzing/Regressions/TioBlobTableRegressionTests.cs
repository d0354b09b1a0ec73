using SevTio.Protocols.Ghcb;

namespace SevTio.Security.Tests.Fuzzing.Regressions;

/// <summary>
/// Found by the "TIO blob table" fuzz target: a zero-length entry whose offset lies past the buffer was accepted by
/// Decode (an empty blob's offset is ignored) and then made GetBlob throw ArgumentOutOfRangeException.
/// </summary>
public sealed class TioBlobTableRegressionTests
{
    [Fact]
    public void GetBlob_ZeroLengthEntryWithOffsetPastBuffer_ReturnsEmpty()
    {
        // One entry, Report, offset 435 (the buffer has 96 bytes), length 0; a null GUID ends the table.
        var buffer = new byte[96];
        TioBlobGuids.Report.TryWriteBytes(buffer);
        BitConverter.TryWriteBytes(buffer.AsSpan(16), 435u);
        BitConverter.TryWriteBytes(buffer.AsSpan(20), 0u);

        var table = TioBlobTable.Decode(buffer);

        Assert.Single(table.Entries);
        Assert.True(table.GetBlob(buffer, TioBlobGuids.Report).IsEmpty);
    }
}
