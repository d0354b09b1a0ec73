using System.Runtime.Intrinsics.X86;

namespace SevTio.Hw.Tests.Crypto;

/// <summary>What the CPU (as the runtime exposes it) offers, read straight from System.Runtime.Intrinsics.</summary>
internal static class CpuFeatures
{
    public static bool HasAesGcmIntrinsics =>
        Aes.IsSupported && Pclmulqdq.IsSupported && Ssse3.IsSupported && Sse41.IsSupported && IntrinsicsShipped;

    // Milestone 1: the Intrinsics backend is not built yet, so it must refuse to run everywhere.
    private const bool IntrinsicsShipped = false;
}
