using SevTio.Security.Tests.Fuzzing.Harness;
using Xunit.Abstractions;

namespace SevTio.Security.Tests.Fuzzing.Codecs;

/// <summary>
/// PSP mailbox structures: TIO command buffers from the untrusted host, the firmware's output structures, scatter-list
/// addresses and scatter pages, SLA buffers with SPDM and device data objects. Only <c>ProtocolFormatException</c> may
/// escape; command buffers and output structures check every reserved bit, so an accepted buffer re-encodes to its own
/// bytes (exact inverse); the others re-encode idempotently.
/// </summary>
public sealed class PspFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void PspCommandBuffers_Mutated_OnlyProtocolFormatExceptionAndExactRoundTrip()
    {
        CodecFuzz.Run("PSP command buffers", PspGen.Commands, output, minDistinctRejections: 30);
    }

    [Fact]
    public void PspOutputStructures_Mutated_OnlyProtocolFormatExceptionAndExactRoundTrip()
    {
        CodecFuzz.Run("PSP output structures", PspGen.Outputs, output, minDistinctRejections: 20);
    }

    [Fact]
    public void ScatterListAddressesAndPages_Mutated_OnlyProtocolFormatExceptionAndRoundTrip()
    {
        CodecFuzz.Run("PSP SLA values and scatter pages", PspGen.SlaSamples, output, minDistinctRejections: 3);
    }

    [Fact]
    public void SlaBufferDataObjects_Mutated_OnlyProtocolFormatExceptionAndRoundTrip()
    {
        CodecFuzz.Run("PSP SLA buffers and data objects", PspGen.DataObjects, output, minDistinctRejections: 10);
    }
}
