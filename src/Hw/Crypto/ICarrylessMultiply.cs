using System.Runtime.Intrinsics;

namespace SevTio.Hw.Crypto;

/// <summary>
/// One vector shape of the GHASH kernel: <see cref="Lanes"/> 128-bit lanes, each holding one GHASH block, and the
/// lane-wise carry-less multiply of PCLMULQDQ on it. The kernels are generic over a struct implementing this, so the
/// JIT specialises each shape with no indirection. Implementations: 128-bit PCLMULQDQ, VPCLMULQDQ ymm/zmm
/// (<c>Pclmulqdq.V256/V512</c>), and emulations of the ymm/zmm shapes from per-lane 128-bit PCLMULQDQ, so the wide
/// algorithms (lane layout, order of the powers of H, folding and reduction) run and are tested on any AES-NI machine.
/// </summary>
/// <typeparam name="TVec">Vector128/256/512 of ulong.</typeparam>
internal interface ICarrylessMultiply<TVec>
    where TVec : struct
{
    /// <summary>Whether this implementation can run on this CPU.</summary>
    static abstract bool IsSupported { get; }

    /// <summary>GHASH blocks per vector: 1, 2 or 4.</summary>
    static abstract int Lanes { get; }

    /// <summary>Per lane: low qword of a × low qword of b (PCLMULQDQ imm 0x00).</summary>
    static abstract TVec MultiplyLowLow(TVec a, TVec b);

    /// <summary>Per lane: high qword of a × low qword of b (imm 0x01).</summary>
    static abstract TVec MultiplyHighLow(TVec a, TVec b);

    /// <summary>Per lane: low qword of a × high qword of b (imm 0x10).</summary>
    static abstract TVec MultiplyLowHigh(TVec a, TVec b);

    /// <summary>Per lane: high qword of a × high qword of b (imm 0x11).</summary>
    static abstract TVec MultiplyHighHigh(TVec a, TVec b);

    static abstract TVec Xor(TVec a, TVec b);

    /// <summary>Loads <see cref="Lanes"/> consecutive 16-byte blocks and byte-reflects each (GHASH bit order → integer order).</summary>
    static abstract TVec LoadBlocksReflected(ref byte source);

    /// <summary>Loads <see cref="Lanes"/> consecutive precomputed key powers.</summary>
    static abstract TVec LoadKeys(ref Vector128<ulong> keys);

    /// <summary>A vector whose lane 0 is <paramref name="value"/> and whose other lanes are zero.</summary>
    static abstract TVec FromLane0(Vector128<ulong> value);

    /// <summary>XOR of all lanes.</summary>
    static abstract Vector128<ulong> FoldLanes(TVec value);
}
