using System.Security.Cryptography;
using SevTio.Firmware.Psp.Mailbox;
using SevTio.Host.Snp;
using SevTio.Protocols.Ghcb;
using SevTio.Protocols.GuestMessages;

namespace SevTio.Host.Tests.Support;

/// <summary>
/// What a guest kernel does, built here independently of the PSP's code: it reads VMPCK0 from its private secrets
/// page, seals TIO messages with <see cref="AesGcm"/> (IV = sequence number, AAD = header bytes 48..96, 16-byte tag),
/// puts them in shared pages, fills its GHCB and exits; it checks and opens the PSP's answers the way Linux
/// sev-guest's <c>verify_and_dec_payload</c> does.
/// </summary>
internal sealed class TestGuest
{
    public const int DataPages = 8;

    private readonly SnpGuest _guest;
    private readonly byte[] _vmpck = new byte[SnpSecretsPage.VmpckLength];

    public TestGuest(SnpGuest guest)
    {
        _guest = guest;
        var read = guest.Memory.Read(guest.SecretsGpa + (ulong)SnpSecretsPage.VmpckOffset(0), _vmpck, encrypted: true);
        Assert.True(read.Succeeded, read.ToString());
    }

    public ulong RequestGpa => _guest.SharedBufferGpa;

    public ulong ResponseGpa => _guest.SharedBufferGpa + 4096;

    public ulong DataGpa => _guest.SharedBufferGpa + 8192;

    /// <summary>The OS-area message counter (Linux <c>snp_get_msg_seqno</c>).</summary>
    public uint Counter { get; set; }

    public byte[] Vmpck0 => _vmpck;

    /// <summary>SEV_TIO_OP: the firmware error (0 = success) and, after BIND, the TDI id.</summary>
    public (ulong FirmwareError, ulong? TdiId) TioOp(TioOpAction action, ushort guestRid = HostBench.GuestRid)
    {
        var ghcb = NewGhcb(out var bytes);
        SevTioOpExit.Write(ghcb, new TioOpExitInfo(guestRid, action));
        Exit(bytes);
        return SevTioOpExit.ReadResult(new GhcbPage(ReadGhcb()));
    }

    /// <summary>
    /// Seals <paramref name="request"/> under VMPCK0 with the next sequence number, exits with SEV_TIO_GUEST_REQUEST and,
    /// on success, opens the answer. Returns the exit result, the decrypted response payload (null unless success),
    /// RDX and RBX as the host left them.
    /// </summary>
    public (GuestRequestResult Result, byte[]? Response, ulong Rdx, ulong Rbx) Request<T>(T request, ulong param = 0, int dataPages = DataPages, TioMessageVersion version = TioMessageVersion.V1, ushort guestRid = HostBench.GuestRid)
        where T : struct, ITioGuestMessage<T>
    {
        var sequence = SnpMessageSequence.RequestSequenceNumber(Counter);
        var page = Seal(request, sequence, version);
        Assert.True(_guest.Memory.Write(RequestGpa, page, encrypted: false).Succeeded);
        var ghcb = NewGhcb(out var bytes);
        new SevTioGuestRequestExit(RequestGpa, ResponseGpa, DataGpa, (ulong)dataPages, guestRid, param).Write(ghcb);
        Exit(bytes);
        var after = new GhcbPage(ReadGhcb());
        var result = SevTioGuestRequestExit.ReadResult(after);
        var rdx = after.GetRaw(GhcbField.Rdx);
        var rbx = after.GetRaw(GhcbField.Rbx);
        if (!result.IsSuccess)
        {
            return (result, null, rdx, rbx);
        }

        var response = Open(SnpGuestMessageHeader.Decode(page), ReadShared(ResponseGpa, SnpGuestMessage.PageSize));
        Counter = SnpMessageSequence.Advance(Counter);
        return (result, response, rdx, rbx);
    }

    public byte[] Seal<T>(T request, ulong sequence, TioMessageVersion version = TioMessageVersion.V1)
        where T : struct, ITioGuestMessage<T>
    {
        var payload = new byte[T.EncodedSize];
        request.Encode(payload, version);
        var header = SnpGuestMessageHeader.Create(T.MessageType, (byte)version, sequence, (ushort)payload.Length, 0);
        var page = new byte[SnpGuestMessage.PageSize];
        SnpGuestMessage.WriteUnsealed(page, header, payload.Length);
        var nonce = new byte[12];
        BitConverter.TryWriteBytes(nonce, sequence);
        var tag = new byte[16];
        using var aead = new AesGcm(_vmpck, 16);
        aead.Encrypt(nonce, payload, page.AsSpan(SnpGuestMessageHeader.Size, payload.Length), tag, page.AsSpan(48, 48));
        tag.CopyTo(page, 0);
        return page;
    }

    /// <summary>Checks the answer names the request (seqno + 1, type + 1, same version) and decrypts it; throws if either fails.</summary>
    public byte[] Open(SnpGuestMessageHeader request, byte[] page)
    {
        var view = SnpGuestMessage.Read(page);
        Assert.True(view.Header.IsResponseTo(request), $"response header {view.Header} does not answer {request}");
        var nonce = new byte[12];
        BitConverter.TryWriteBytes(nonce, view.Header.SequenceNumber);
        var plaintext = new byte[view.Header.MessageSize];
        using var aead = new AesGcm(_vmpck, 16);
        aead.Decrypt(nonce, view.Ciphertext, view.AuthTag, plaintext, view.AssociatedData);
        return plaintext;
    }

    /// <summary>The blob table and blobs the host left in the data buffer.</summary>
    public (TioBlobTable Table, byte[] Buffer) ReadBlobs(int dataPages = DataPages)
    {
        var buffer = ReadShared(DataGpa, dataPages * 4096);
        return (TioBlobTable.Decode(buffer), buffer);
    }

    public byte[] ReadShared(ulong gpa, int length)
    {
        var bytes = new byte[length];
        Assert.True(_guest.Memory.Read(gpa, bytes, encrypted: false).Succeeded);
        return bytes;
    }

    private static GhcbPage NewGhcb(out byte[] bytes)
    {
        bytes = new byte[GhcbPage.Size];
        var ghcb = new GhcbPage(bytes)
        {
            ProtocolVersion = GhcbPage.ProtocolVersion2,
            Usage = GhcbPage.DefaultUsage,
        };
        return ghcb;
    }

    private void Exit(byte[] ghcb)
    {
        Assert.True(_guest.Memory.Write(_guest.GhcbGpa, ghcb, encrypted: false).Succeeded);
        _guest.Vcpu.VmgExit();
    }

    private byte[] ReadGhcb() => ReadShared(_guest.GhcbGpa, GhcbPage.Size);
}
