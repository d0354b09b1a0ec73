using SevTio.Security.Tests.Fuzzing.Harness;
using Xunit.Abstractions;

namespace SevTio.Security.Tests.Fuzzing.Codecs;

/// <summary>
/// Every SPDM 1.2 message codec (requests and responses, with the negotiated sizes their decoders take), their
/// DOE-padded forms, certificate chains and DSP0277 opaque data: only <c>ProtocolFormatException</c> may escape, and an
/// accepted message must decode → encode → decode to the same value.
/// </summary>
public sealed class SpdmFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void SpdmMessages_MutatedMessages_OnlyProtocolFormatExceptionAndRoundTrip()
    {
        CodecFuzz.Run("SPDM messages", SpdmGen.Message, output, minDistinctRejections: 40);
    }

    [Fact]
    public void SpdmMessagesDoePadded_MutatedPayloads_OnlyProtocolFormatExceptionAndRoundTrip()
    {
        CodecFuzz.Run("SPDM messages, DOE padded", SpdmGen.PaddedMessage, output, minDistinctRejections: 40);
    }

    [Fact]
    public void SpdmStructures_MutatedCertificateChainsAndOpaqueData_OnlyProtocolFormatExceptionAndRoundTrip()
    {
        CodecFuzz.Run("SPDM certificate chain and opaque data", SpdmGen.Structure, output, minDistinctRejections: 10);
    }
}
