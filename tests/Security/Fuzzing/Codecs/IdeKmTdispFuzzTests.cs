using SevTio.Security.Tests.Fuzzing.Harness;
using Xunit.Abstractions;

namespace SevTio.Security.Tests.Fuzzing.Codecs;

/// <summary>
/// IDE_KM objects, TDISP messages and the TDISP device interface report: only <c>ProtocolFormatException</c> may escape,
/// and accepted inputs round-trip (reserved fields ignored on receipt, sent as zero).
/// </summary>
public sealed class IdeKmTdispFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void IdeKmObjects_Mutated_OnlyProtocolFormatExceptionAndRoundTrip()
    {
        CodecFuzz.Run("IDE_KM objects", IdeKmTdispGen.IdeKmSamples, output, minDistinctRejections: 10);
    }

    [Fact]
    public void TdispMessages_Mutated_OnlyProtocolFormatExceptionAndRoundTrip()
    {
        CodecFuzz.Run("TDISP messages", IdeKmTdispGen.TdispSamples, output, minDistinctRejections: 10);
    }

    [Fact]
    public void TdispInterfaceReport_Mutated_OnlyProtocolFormatExceptionAndRoundTrip()
    {
        CodecFuzz.Run("TDISP interface report", IdeKmTdispGen.ReportSamples, output, minDistinctRejections: 4);
    }
}
