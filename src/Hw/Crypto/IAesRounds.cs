using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SevTio.Hw.Crypto;

/// <summary>
/// The direction of an AES pass (AESENC or AESDEC with the matching key schedule), as a struct type parameter so one
/// kernel body serves XEX encryption and decryption and the JIT specialises each.
/// </summary>
internal interface IAesRounds
{
    /// <summary>Round key 0 of the schedule this direction uses.</summary>
    static abstract ref Vector128<byte> Schedule(AesNiKey key);

    static abstract void Round(ref AesBlocks8 blocks, Vector128<byte> roundKey);

    static abstract void LastRound(ref AesBlocks8 blocks, Vector128<byte> roundKey);
}

/// <summary>E_K: AESENC with the encryption schedule.</summary>
internal readonly struct EncryptRounds : IAesRounds
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref Vector128<byte> Schedule(AesNiKey key) => ref key.Encryption;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Round(ref AesBlocks8 blocks, Vector128<byte> roundKey) => blocks.EncryptRound(roundKey);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LastRound(ref AesBlocks8 blocks, Vector128<byte> roundKey) => blocks.EncryptLastRound(roundKey);
}

/// <summary>D_K: AESDEC with the Equivalent Inverse Cipher schedule.</summary>
internal readonly struct DecryptRounds : IAesRounds
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref Vector128<byte> Schedule(AesNiKey key) => ref key.Decryption;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Round(ref AesBlocks8 blocks, Vector128<byte> roundKey) => blocks.DecryptRound(roundKey);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LastRound(ref AesBlocks8 blocks, Vector128<byte> roundKey) => blocks.DecryptLastRound(roundKey);
}
