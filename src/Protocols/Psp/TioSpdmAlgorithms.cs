using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>DHE group of the SPDM session (<c>TIO_SPDM_ALGOS_DHE_*</c>, byte 0 of <c>spdm_algos</c>).</summary>
public enum TioDheAlgorithm : byte
{
    Secp256r1 = 0,
    Secp384r1 = 1,
}

/// <summary>AEAD of the SPDM session (<c>TIO_SPDM_ALGOS_AEAD_*</c>, byte 1).</summary>
public enum TioAeadAlgorithm : byte
{
    Aes128Gcm = 0,
    Aes256Gcm = 1,
}

/// <summary>Device signing algorithm (<c>TIO_SPDM_ALGOS_ASYM_*</c>, byte 2).</summary>
public enum TioAsymAlgorithm : byte
{
    RsaSsa3072 = 0,
    EcdsaP256 = 1,
    EcdsaP384 = 2,
}

/// <summary>Hash algorithm (<c>TIO_SPDM_ALGOS_HASH_*</c>, byte 3).</summary>
public enum TioHashAlgorithm : byte
{
    Sha256 = 0,
    Sha384 = 1,
}

/// <summary>Key schedule (<c>TIO_SPDM_ALGOS_KEY_SCHED_*</c>, byte 4).</summary>
public enum TioKeySchedule : byte
{
    Spdm = 0,
}

/// <summary>
/// SPDM algorithms the PSP negotiated with the device, as the u64 <c>spdm_algos</c> of TDI_INFO and
/// TIO_MSG_TDI_INFO_RSP and the 8-byte <c>struct tio_spdm_algos</c> of the device status: one byte each for DHE,
/// AEAD, asym, hash and key schedule (bytes 0–4), bytes 5–7 reserved.
/// </summary>
public readonly record struct TioSpdmAlgorithms(
    TioDheAlgorithm Dhe,
    TioAeadAlgorithm Aead,
    TioAsymAlgorithm Asym,
    TioHashAlgorithm Hash,
    TioKeySchedule KeySchedule)
{
    public const int Size = 8;

    /// <summary>The algorithms the team's SPDM stack uses: P-384, AES-256-GCM, ECDSA P-384, SHA-384.</summary>
    public static TioSpdmAlgorithms Default => new(TioDheAlgorithm.Secp384r1, TioAeadAlgorithm.Aes256Gcm, TioAsymAlgorithm.EcdsaP384, TioHashAlgorithm.Sha384, TioKeySchedule.Spdm);

    public ulong ToUInt64() =>
        (ulong)Dhe | ((ulong)Aead << 8) | ((ulong)Asym << 16) | ((ulong)Hash << 24) | ((ulong)KeySchedule << 32);

    public void Write(ref WireWriter writer) => writer.WriteUInt64(ToUInt64());

    /// <summary>Reads the u64; every byte must name a defined algorithm and bytes 5–7 must be zero.</summary>
    public static TioSpdmAlgorithms Read(ref WireReader reader, string field)
    {
        var value = reader.ReadUInt64(field);
        WireChecks.ReadReservedBits(ref reader, value, 0xFFFF_FF00_0000_0000ul, field);
        var dhe = (byte)value;
        var aead = (byte)(value >> 8);
        var asym = (byte)(value >> 16);
        var hash = (byte)(value >> 24);
        var keySchedule = (byte)(value >> 32);
        if (dhe > (byte)TioDheAlgorithm.Secp384r1)
        {
            reader.Fail(field + ".dhe", $"unknown DHE group {dhe}");
        }

        if (aead > (byte)TioAeadAlgorithm.Aes256Gcm)
        {
            reader.Fail(field + ".aead", $"unknown AEAD {aead}");
        }

        if (asym > (byte)TioAsymAlgorithm.EcdsaP384)
        {
            reader.Fail(field + ".asym", $"unknown signing algorithm {asym}");
        }

        if (hash > (byte)TioHashAlgorithm.Sha384)
        {
            reader.Fail(field + ".hash", $"unknown hash {hash}");
        }

        if (keySchedule != (byte)TioKeySchedule.Spdm)
        {
            reader.Fail(field + ".key_sched", $"unknown key schedule {keySchedule}");
        }

        return new TioSpdmAlgorithms((TioDheAlgorithm)dhe, (TioAeadAlgorithm)aead, (TioAsymAlgorithm)asym, (TioHashAlgorithm)hash, (TioKeySchedule)keySchedule);
    }
}
