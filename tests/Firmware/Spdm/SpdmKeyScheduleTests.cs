using SevTio.Firmware.Spdm;

namespace SevTio.Firmware.Tests.Spdm;

/// <summary>The key schedule against an independent HKDF (RFC 5869) following DSP0274 1.2 §"Key schedule".</summary>
public class SpdmKeyScheduleTests
{
    private static readonly byte[] s_dhe = Enumerable.Range(0, 48).Select(i => (byte)(i * 3)).ToArray();
    private static readonly byte[] s_th1 = Enumerable.Range(0, 48).Select(i => (byte)(255 - i)).ToArray();
    private static readonly byte[] s_th2 = Enumerable.Range(0, 48).Select(i => (byte)(i ^ 0x5A)).ToArray();

    [Fact]
    public void BinConcat_FinishedLabel_IsLengthLeVersionLabel()
    {
        byte[] expected = [0x30, 0x00, .. "spdm1.2 finished"u8];

        Assert.Equal(expected, SpdmKeySchedule.BinConcat(48, "finished", default));
    }

    [Fact]
    public void DeriveHandshakeSecrets_MatchesRfc5869Derivation()
    {
        var handshake = Rfc5869.Extract(new byte[48], s_dhe);
        var request = Rfc5869.Expand(handshake, Rfc5869.BinConcat(48, "req hs data", s_th1), 48);
        var response = Rfc5869.Expand(handshake, Rfc5869.BinConcat(48, "rsp hs data", s_th1), 48);

        var secrets = SpdmKeySchedule.DeriveHandshakeSecrets(s_dhe, s_th1);

        Assert.Equal(handshake, secrets.HandshakeSecret);
        Assert.Equal(request, secrets.RequestHandshakeSecret);
        Assert.Equal(response, secrets.ResponseHandshakeSecret);
    }

    [Fact]
    public void DeriveApplicationSecrets_MatchesRfc5869Derivation()
    {
        var handshake = Rfc5869.Extract(new byte[48], s_dhe);
        var salt1 = Rfc5869.Expand(handshake, Rfc5869.BinConcat(48, "derived", []), 48);
        var master = Rfc5869.Extract(salt1, new byte[48]);

        var secrets = SpdmKeySchedule.DeriveApplicationSecrets(handshake, s_th2);

        Assert.Equal(master, secrets.MasterSecret);
        Assert.Equal(Rfc5869.Expand(master, Rfc5869.BinConcat(48, "req app data", s_th2), 48), secrets.RequestDataSecret);
        Assert.Equal(Rfc5869.Expand(master, Rfc5869.BinConcat(48, "rsp app data", s_th2), 48), secrets.ResponseDataSecret);
        Assert.Equal(Rfc5869.Expand(master, Rfc5869.BinConcat(48, "exp master", s_th2), 48), secrets.ExportMasterSecret);
    }

    [Fact]
    public void DeriveKeyIvFinished_MatchRfc5869Derivation()
    {
        Assert.Equal(Rfc5869.Expand(s_th1, Rfc5869.BinConcat(32, "key", []), 32), SpdmKeySchedule.DeriveKey(s_th1));
        Assert.Equal(Rfc5869.Expand(s_th1, Rfc5869.BinConcat(12, "iv", []), 12), SpdmKeySchedule.DeriveIv(s_th1));
        Assert.Equal(Rfc5869.Expand(s_th1, Rfc5869.BinConcat(48, "finished", []), 48), SpdmKeySchedule.DeriveFinishedKey(s_th1));
    }
}
