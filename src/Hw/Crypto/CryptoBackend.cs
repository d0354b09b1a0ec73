namespace SevTio.Hw.Crypto;

/// <summary>Which implementation a crypto context runs on.</summary>
public enum CryptoBackend
{
    /// <summary>Resolve at construction: <see cref="Intrinsics"/> where the CPU has AES-NI and PCLMULQDQ, else <see cref="Platform"/>.</summary>
    Auto,

    /// <summary>Our own kernels on <c>System.Runtime.Intrinsics.X86</c> (AES-NI, PCLMULQDQ, and VPCLMULQDQ where present).</summary>
    Intrinsics,

    /// <summary><c>System.Security.Cryptography</c> (OpenSSL on Linux) plus a portable managed GHASH.</summary>
    Platform,
}
