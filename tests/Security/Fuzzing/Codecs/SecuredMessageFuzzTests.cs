using CsCheck;
using SevTio.Protocols.Spdm;
using SevTio.Security.Tests.Fuzzing.Harness;
using Xunit.Abstractions;

namespace SevTio.Security.Tests.Fuzzing.Codecs;

/// <summary>
/// The DSP0277 secured-message record (SessionID, Length, encrypted data, MAC; strict and DOE-padded) and its decrypted
/// plaintext (ApplicationDataLength, application data, random padding). Only <c>ProtocolFormatException</c> may escape.
/// </summary>
public sealed class SecuredMessageFuzzTests(ITestOutputHelper output)
{
    private static readonly Codec Strict = new(SecuredMessageRecord.Name, b => Reencode(b, allowDoePadding: false));

    private static readonly Codec Padded = new(SecuredMessageRecord.Name + " (DOE padded)", b => Reencode(b, allowDoePadding: true));

    private static readonly Codec Plaintext = new(SecuredMessagePlaintext.Name, b =>
    {
        var data = SecuredMessagePlaintext.Read(b);
        var bytes = new byte[SecuredMessagePlaintext.LengthFor(data.Length)];
        SecuredMessagePlaintext.Write(bytes, data);
        return bytes;
    });

    /// <summary>Records of 0-300 ciphertext bytes (strict, or padded to a DW), and plaintexts with 0-15 bytes of random padding.</summary>
    private static readonly Gen<CodecSample> s_samples = FuzzGen.Any(
        Gen.Select(FuzzGen.U32, FuzzGen.Bytes(0, 300), FuzzGen.Bytes(16), Gen.Bool, (session, cipher, mac, padded) =>
        {
            var total = SecuredMessageRecord.HeaderSize + cipher.Length + SecuredMessageRecord.MacSize;
            var bytes = new byte[padded ? (total + 3) & ~3 : total];
            SecuredMessageRecord.WriteHeader(bytes, session, cipher.Length);
            cipher.CopyTo(bytes, SecuredMessageRecord.HeaderSize);
            mac.CopyTo(bytes, SecuredMessageRecord.HeaderSize + cipher.Length);
            return new CodecSample(padded ? Padded : Strict, bytes);
        }),
        Gen.Select(FuzzGen.Bytes(0, 200), Gen.Int[0, 15], (data, padding) =>
        {
            var bytes = new byte[SecuredMessagePlaintext.LengthFor(data.Length) + padding];
            SecuredMessagePlaintext.Write(bytes, data);
            return new CodecSample(Plaintext, bytes, Canonical: padding == 0);
        }));

    [Fact]
    public void SecuredMessageRecordAndPlaintext_Mutated_OnlyProtocolFormatExceptionAndRoundTrip()
    {
        CodecFuzz.Run("SPDM secured message record and plaintext", s_samples, output, minDistinctRejections: 5);
    }

    private static byte[] Reencode(byte[] bytes, bool allowDoePadding)
    {
        var record = SecuredMessageRecord.Decode(bytes, allowDoePadding);
        var total = record.Length;
        var encoded = new byte[allowDoePadding ? (total + 3) & ~3 : total];
        SecuredMessageRecord.WriteHeader(encoded, record.SessionId, record.CipherText.Length);
        record.CipherText.CopyTo(encoded.AsSpan(SecuredMessageRecord.HeaderSize));
        record.Mac.CopyTo(encoded.AsSpan(SecuredMessageRecord.HeaderSize + record.CipherText.Length));
        if (record.SessionId != SecuredMessageRecord.PeekSessionId(bytes) || !record.AssociatedData.SequenceEqual(bytes.AsSpan(0, SecuredMessageRecord.HeaderSize)))
        {
            throw new FuzzOracleException("the record's SessionID or associated data is not its header");
        }

        return encoded;
    }
}
