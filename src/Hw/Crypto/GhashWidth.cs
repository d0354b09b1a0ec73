namespace SevTio.Hw.Crypto;

/// <summary>The GHASH kernel shape an Intrinsics context runs (see <see cref="ICarrylessMultiply{TVec}"/>).</summary>
internal enum GhashWidth
{
    /// <summary>Pick the widest hardware shape: V512, else V256, else V128.</summary>
    Auto,

    /// <summary>128-bit PCLMULQDQ, one block per multiply.</summary>
    V128,

    /// <summary>VPCLMULQDQ ymm, two blocks per multiply.</summary>
    V256,

    /// <summary>VPCLMULQDQ zmm, four blocks per multiply.</summary>
    V512,

    /// <summary>The ymm shape emulated with per-lane PCLMULQDQ (tests).</summary>
    V256Emulated,

    /// <summary>The zmm shape emulated with per-lane PCLMULQDQ (tests).</summary>
    V512Emulated,
}
