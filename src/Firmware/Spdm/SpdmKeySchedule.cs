using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SevTio.Firmware.Spdm;

/// <summary>Secrets of the handshake phase (DSP0274 1.2 §"Key schedule", TH1-based).</summary>
public sealed record SpdmHandshakeSecrets(byte[] HandshakeSecret, byte[] RequestHandshakeSecret, byte[] ResponseHandshakeSecret);

/// <summary>Secrets of the application phase (TH2-based).</summary>
public sealed record SpdmApplicationSecrets(byte[] MasterSecret, byte[] RequestDataSecret, byte[] ResponseDataSecret, byte[] ExportMasterSecret);

/// <summary>
/// The SPDM 1.2 key schedule with HKDF-SHA384 (DSP0274 1.2 §"Key schedule"; labels as libspdm <c>spdm.h</c>):
/// HandshakeSecret = HKDF-Extract(0^H, DHE secret); request/response handshake secrets = HKDF-Expand(HandshakeSecret,
/// BinConcat(H, "req hs data"/"rsp hs data", TH1)); Salt1 = HKDF-Expand(HandshakeSecret, BinConcat(H, "derived"));
/// MasterSecret = HKDF-Extract(Salt1, 0^H); data secrets = HKDF-Expand(MasterSecret, BinConcat(H, "req app data"/
/// "rsp app data", TH2)); key/iv/finished = HKDF-Expand(secret, BinConcat(len, "key"/"iv"/"finished")).
/// BinConcat(Length, Version, Label, Context) = Length u16 little-endian ‖ "spdm1.2 " ‖ Label ‖ Context.
/// </summary>
public static class SpdmKeySchedule
{
    public const int HashSize = 48;

    public const string VersionLabel12 = "spdm1.2 ";

    private static readonly HashAlgorithmName s_hash = HashAlgorithmName.SHA384;

    public static byte[] BinConcat(int length, string label, ReadOnlySpan<byte> context)
    {
        var version = Encoding.ASCII.GetBytes(VersionLabel12);
        var labelBytes = Encoding.ASCII.GetBytes(label);
        var result = new byte[2 + version.Length + labelBytes.Length + context.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(result, checked((ushort)length));
        version.CopyTo(result, 2);
        labelBytes.CopyTo(result, 2 + version.Length);
        context.CopyTo(result.AsSpan(2 + version.Length + labelBytes.Length));
        return result;
    }

    public static byte[] HkdfExtract(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> inputKeyMaterial)
    {
        var prk = new byte[HashSize];
        HKDF.Extract(s_hash, inputKeyMaterial, salt, prk);
        return prk;
    }

    public static byte[] HkdfExpand(ReadOnlySpan<byte> pseudoRandomKey, ReadOnlySpan<byte> info, int length)
    {
        var output = new byte[length];
        HKDF.Expand(s_hash, pseudoRandomKey, output, info);
        return output;
    }

    public static SpdmHandshakeSecrets DeriveHandshakeSecrets(ReadOnlySpan<byte> dheSecret, ReadOnlySpan<byte> th1Hash)
    {
        var handshake = HkdfExtract(stackalloc byte[HashSize], dheSecret);
        var request = HkdfExpand(handshake, BinConcat(HashSize, "req hs data", th1Hash), HashSize);
        var response = HkdfExpand(handshake, BinConcat(HashSize, "rsp hs data", th1Hash), HashSize);
        return new SpdmHandshakeSecrets(handshake, request, response);
    }

    public static SpdmApplicationSecrets DeriveApplicationSecrets(ReadOnlySpan<byte> handshakeSecret, ReadOnlySpan<byte> th2Hash)
    {
        var salt1 = HkdfExpand(handshakeSecret, BinConcat(HashSize, "derived", default), HashSize);
        var master = HkdfExtract(salt1, stackalloc byte[HashSize]);
        var request = HkdfExpand(master, BinConcat(HashSize, "req app data", th2Hash), HashSize);
        var response = HkdfExpand(master, BinConcat(HashSize, "rsp app data", th2Hash), HashSize);
        var export = HkdfExpand(master, BinConcat(HashSize, "exp master", th2Hash), HashSize);
        return new SpdmApplicationSecrets(master, request, response, export);
    }

    public static byte[] DeriveFinishedKey(ReadOnlySpan<byte> handshakeDirectionSecret) =>
        HkdfExpand(handshakeDirectionSecret, BinConcat(HashSize, "finished", default), HashSize);

    public static byte[] DeriveKey(ReadOnlySpan<byte> directionSecret) =>
        HkdfExpand(directionSecret, BinConcat(SpdmAead.KeySize, "key", default), SpdmAead.KeySize);

    public static byte[] DeriveIv(ReadOnlySpan<byte> directionSecret) =>
        HkdfExpand(directionSecret, BinConcat(SpdmAead.NonceSize, "iv", default), SpdmAead.NonceSize);
}
