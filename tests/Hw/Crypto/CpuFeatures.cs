using System.Runtime.Intrinsics.X86;

namespace SevTio.Hw.Tests.Crypto;

/// <summary>What the CPU (as the runtime exposes it) offers, read straight from System.Runtime.Intrinsics.</summary>
internal static class CpuFeatures
{
    /// <summary>AES-NI, PCLMULQDQ, SSSE3 and SSE4.1: what the Intrinsics backend needs.</summary>
    public static bool HasAesGcmIntrinsics => Aes.IsSupported && Pclmulqdq.IsSupported && Ssse3.IsSupported && Sse41.IsSupported;

    /// <summary>VPCLMULQDQ ymm with AVX2 (for the in-lane byte shuffle).</summary>
    public static bool HasVpclmulqdq256 => HasAesGcmIntrinsics && Pclmulqdq.V256.IsSupported && Avx2.IsSupported;

    /// <summary>VPCLMULQDQ zmm with AVX-512BW (for the in-lane byte shuffle).</summary>
    public static bool HasVpclmulqdq512 => HasAesGcmIntrinsics && Pclmulqdq.V512.IsSupported && Avx512BW.IsSupported;
}
