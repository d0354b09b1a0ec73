using System.Security.Cryptography;
using SevTio.Guest.Cpu;
using SevTio.Guest.Ghcb;
using SevTio.Guest.Memory;
using SevTio.Guest.Telemetry;
using SevTio.Hw.Cpu;
using SevTio.Hw.Crypto;
using SevTio.Hw.Memory;
using SevTio.Hw.Telemetry;
using SevTio.Protocols.Ghcb;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Wire;

namespace SevTio.Guest.Messaging;

/// <summary>
/// The SNP guest-message layer of the guest kernel (Linux <c>struct snp_msg_desc</c>, <c>snp_send_guest_request</c>,
/// <c>enc_payload</c>, <c>verify_and_dec_payload</c>) for the TIO messages: the payload is sealed with AES-256-GCM under
/// the VMPCK into the shared request page (96-byte header, IV = sequence number, AAD = header bytes 48..96), sent with
/// SEV_TIO_GUEST_REQUEST, and the response page is checked — sequence number request + 1, type request + 1, same
/// version and VMPCK, exact size, GCM tag — before anything is decrypted into private memory.
/// </summary>
/// <remarks>
/// <para>Sequence numbers: a 32-bit counter (the secrets-page OS area in Linux); a request uses counter + 1, the
/// response must carry counter + 2, and the counter advances by 2 once the request has left the guest — whatever
/// happened next, because the IV must never be reused.</para>
/// <para>Hypervisor answers: BUSY → wait <see cref="GuestCpuTiming.GuestRequestRetryDelay"/> and re-send the same sealed
/// page, up to <see cref="GuestCpuTiming.GuestRequestRetryLimit"/> (then ETIMEDOUT). INVALID_LEN → the data buffer is
/// too small: reallocate it to the pages the host asked for (RBX) and re-send the identical sealed page (same bytes,
/// same IV, so no nonce is reused for different plaintext) — where Linux, for extended requests, burns the sequence
/// number with a plain request instead. Any other error → EIO.</para>
/// <para>Fail closed: any failure after the request left the guest (host error, timeout, a response that fails a check)
/// disables the VMPCK — the key is wiped and every later request answers ENOTTY — as Linux <c>snp_disable_vmpck</c>
/// does. A replayed, reordered, tampered or truncated response is refused with EBADMSG.</para>
/// </remarks>
public sealed class SnpGuestChannel : IDisposable
{
    /// <summary>Largest data buffer the guest agrees to allocate for the blobs (4 MiB).</summary>
    public const long MaxDataPages = 1024;

    private readonly GuestVcpu _vcpu;
    private readonly GhcbClient _ghcb;
    private readonly SharedPageAllocator _sharedPages;
    private readonly GuestCpuTiming _timing;
    private readonly GuestCpuAccounting _accounting;
    private static readonly byte[] s_zeroPage = new byte[SnpGuestMessage.PageSize];

    private readonly byte[] _request = new byte[SnpGuestMessage.PageSize];
    private readonly byte[] _response = new byte[SnpGuestMessage.PageSize];
    private readonly byte[] _plaintext = new byte[SnpGuestMessage.MaxPayloadSize];
    private readonly byte[] _iv = new byte[SnpGuestMessageHeader.IvLength];
    private AesGcm256? _vmpck;
    private uint _counter;

    /// <param name="ghcb">The GHCB of the vCPU that sends.</param>
    /// <param name="vmpck">The 32-byte VMPCK (from the secrets page); copied, the caller should wipe its copy.</param>
    /// <param name="vmpckId">Which VMPCK (0–3) the key is.</param>
    /// <param name="requestPageGpa">A shared page for the sealed request.</param>
    /// <param name="responsePageGpa">A shared page for the sealed response.</param>
    /// <param name="sharedPages">Where blob buffers are reallocated on INVALID_LEN.</param>
    /// <param name="timing">CPU cost parameters.</param>
    /// <param name="accounting">Where the crypto time is counted.</param>
    /// <param name="initialCounter">The OS-area sequence counter (0 for a fresh guest).</param>
    public SnpGuestChannel(
        GhcbClient ghcb,
        ReadOnlySpan<byte> vmpck,
        byte vmpckId,
        ulong requestPageGpa,
        ulong responsePageGpa,
        SharedPageAllocator sharedPages,
        GuestCpuTiming timing,
        GuestCpuAccounting accounting,
        uint initialCounter = 0)
    {
        ArgumentNullException.ThrowIfNull(ghcb);
        ArgumentNullException.ThrowIfNull(sharedPages);
        ArgumentNullException.ThrowIfNull(timing);
        ArgumentNullException.ThrowIfNull(accounting);
        if (vmpck.Length != AesGcm256.KeySize)
        {
            throw new ArgumentException($"a VMPCK is {AesGcm256.KeySize} bytes", nameof(vmpck));
        }

        if (vmpckId > SnpGuestMessageHeader.MaxVmpckId)
        {
            throw new ArgumentOutOfRangeException(nameof(vmpckId), vmpckId, "VMPCK 0..3");
        }

        if (((requestPageGpa | responsePageGpa) & PhysicalMemory.PageOffsetMask) != 0 || requestPageGpa == responsePageGpa)
        {
            throw new ArgumentException("the request and response pages must be two distinct 4 KiB aligned pages");
        }

        _ghcb = ghcb;
        _vcpu = ghcb.Vcpu;
        _sharedPages = sharedPages;
        _timing = timing;
        _accounting = accounting;
        VmpckId = vmpckId;
        RequestPageGpa = requestPageGpa;
        ResponsePageGpa = responsePageGpa;
        _counter = initialCounter;

        // A VMPCK of all zeroes is a disabled key (Linux: "VMPCK is disabled").
        if (vmpck.ContainsAnyExcept((byte)0))
        {
            _vmpck = new AesGcm256(vmpck);
        }
    }

    public byte VmpckId { get; }

    public ulong RequestPageGpa { get; }

    public ulong ResponsePageGpa { get; }

    /// <summary>The OS-area sequence counter: the next request carries <c>counter + 1</c>.</summary>
    public uint SequenceCounter => _counter;

    /// <summary>
    /// GPA of the private u32 that holds the counter (the secrets page's OS area <c>msg_seqno_n</c>), written after every
    /// exchange as Linux <c>snp_inc_msg_seqno</c> does; 0 keeps the counter in the kernel only.
    /// </summary>
    public ulong SequenceCounterGpa { get; init; }

    /// <summary>True once the key was wiped after a failed exchange (or was never usable).</summary>
    public bool IsDisabled => _vmpck is null;

    /// <summary>Requests sent, and how many ended with the VMPCK disabled.</summary>
    public long RequestsSent { get; private set; }

    /// <summary>
    /// Seals <paramref name="request"/>, sends it with SEV_TIO_GUEST_REQUEST and the registers of
    /// <paramref name="data"/>, verifies and decrypts the response.
    /// </summary>
    /// <returns>
    /// None; ENOTTY (VMPCK disabled); EIO (sequence exhausted, host or firmware error); ETIMEDOUT (BUSY too long);
    /// ENOMEM (no pages for a larger data buffer); EBADMSG (a response that fails a check); EFAULT (GHCB or message
    /// page faulted).
    /// </returns>
    public Errno Send<TRequest, TResponse>(in TRequest request, TioMessageVersion version, SnpRequestData data, out TResponse response)
        where TRequest : struct, ITioGuestMessage<TRequest>
        where TResponse : struct, ITioGuestMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(data);
        response = default;
        if (_vmpck is null)
        {
            return Errno.ENOTTY;
        }

        if (_counter > SnpMessageSequence.MaxCounter)
        {
            return Errno.EIO;
        }

        var sequence = SnpMessageSequence.RequestSequenceNumber(_counter);
        var requestHeader = Seal(request, version, sequence);
        // Linux clears the shared response page before it lets the host fill it.
        if (!_vcpu.Memory.Write(ResponsePageGpa, s_zeroPage, encrypted: false).Succeeded)
        {
            return Errno.EFAULT;
        }

        var activity = SimSpan.Start(GuestTelemetry.Source, "ghcb.exit", _vcpu.Scheduler.Now);
        activity?.SetTag("sevtio.ghcb.exit", "SEV_TIO_GUEST_REQUEST");
        activity?.SetTag("sevtio.guest.msg_type", TRequest.MessageType.ToString());
        var error = Issue(data);
        RequestsSent++;
        activity?.SetTag("sevtio.guest.attempts", data.Attempts);
        SimSpan.End(activity, _vcpu.Scheduler.Now);

        // The sealed request has been in shared memory: its sequence number is spent whatever the outcome.
        _counter = SnpMessageSequence.Advance(_counter);
        if (SequenceCounterGpa != 0)
        {
            Span<byte> counter = stackalloc byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(counter, _counter);
            _vcpu.Memory.Write(SequenceCounterGpa, counter, encrypted: true);
        }

        if (error == Errno.None)
        {
            error = VerifyAndDecrypt(requestHeader, version, out response);
        }

        if (error != Errno.None && error != Errno.EFAULT)
        {
            Disable();
        }

        CryptographicOperations.ZeroMemory(_plaintext);
        return error;
    }

    /// <summary>Wipes the VMPCK: every later request answers ENOTTY (Linux <c>snp_disable_vmpck</c>).</summary>
    public void Disable()
    {
        _vmpck?.Dispose();
        _vmpck = null;
    }

    public void Dispose() => Disable();

    private SnpGuestMessageHeader Seal<TRequest>(in TRequest request, TioMessageVersion version, ulong sequence)
        where TRequest : struct, ITioGuestMessage<TRequest>
    {
        var size = TRequest.EncodedSize;
        request.Encode(_plaintext, version);
        var header = SnpGuestMessageHeader.Create(TRequest.MessageType, (byte)version, sequence, (ushort)size, VmpckId);
        SnpGuestMessage.WriteUnsealed(_request, header, size);
        SnpGuestMessageHeader.FormIv(sequence, _iv);
        _vmpck!.Seal(
            _iv,
            _plaintext.AsSpan(0, size),
            SnpGuestMessage.CiphertextOf(_request, size),
            SnpGuestMessage.AuthTagOf(_request),
            SnpGuestMessage.AssociatedDataOf(_request));
        ChargeCrypto(size);
        return header;
    }

    private Errno Issue(SnpRequestData data)
    {
        var busySince = _vcpu.Scheduler.Now;
        data.Attempts = 0;
        while (true)
        {
            // The request page is shared: write it (again) before every exit, the host may have scribbled on it.
            if (!_vcpu.Memory.Write(RequestPageGpa, _request, encrypted: false).Succeeded)
            {
                return Errno.EFAULT;
            }

            var exit = new SevTioGuestRequestExit(RequestPageGpa, ResponsePageGpa, data.DataGpa, (ulong)data.DataPages, data.GuestRid, data.Param);
            var answer = _ghcb.TioGuestRequest(exit);
            data.Attempts++;
            if (answer.Error != Errno.None)
            {
                return answer.Error;
            }

            data.FirmwareError = answer.Result.FirmwareError;
            data.VmmError = answer.Result.VmmError;
            if (answer.Result.IsSuccess)
            {
                data.Param = answer.Param;
                return Errno.None;
            }

            if (answer.Result.VmmError == VmmError.Busy && answer.Result.FirmwareError == 0)
            {
                if (_vcpu.Scheduler.Now - busySince >= _timing.GuestRequestRetryLimit)
                {
                    return Errno.ETIMEDOUT;
                }

                _vcpu.Scheduler.Advance(_timing.GuestRequestRetryDelay);
                continue;
            }

            if (answer.Result.VmmError == VmmError.InvalidLength && answer.Result.FirmwareError == 0 && data.DataGpa != 0)
            {
                var needed = (long)Math.Min(answer.DataPages, long.MaxValue);
                if (needed <= data.DataPages || needed > MaxDataPages)
                {
                    return Errno.EIO;
                }

                var error = Reallocate(data, needed);
                if (error != Errno.None)
                {
                    return error;
                }

                continue;
            }

            return Errno.EIO;
        }
    }

    private Errno Reallocate(SnpRequestData data, long pages)
    {
        var error = _sharedPages.Free(data.DataGpa, data.DataPages);
        data.DataGpa = 0;
        data.DataPages = 0;
        if (error != Errno.None)
        {
            return error;
        }

        error = _sharedPages.Allocate(pages, out var gpa);
        if (error != Errno.None)
        {
            return error;
        }

        data.DataGpa = gpa;
        data.DataPages = pages;
        return Errno.None;
    }

    private Errno VerifyAndDecrypt<TResponse>(in SnpGuestMessageHeader requestHeader, TioMessageVersion version, out TResponse response)
        where TResponse : struct, ITioGuestMessage<TResponse>
    {
        response = default;

        // Copy the response out of shared memory once, then check only the private copy (no double fetch).
        if (!_vcpu.Memory.Read(ResponsePageGpa, _response, encrypted: false).Succeeded)
        {
            return Errno.EFAULT;
        }

        SnpGuestMessageView view;
        try
        {
            view = SnpGuestMessage.Read(_response);
        }
        catch (ProtocolFormatException)
        {
            return Errno.EBADMSG;
        }

        var header = view.Header;
        var size = TResponse.EncodedSize;
        if (!header.IsResponseTo(requestHeader) || header.MessageType != TResponse.MessageType ||
            header.MessageSize != size || header.VmpckId != VmpckId || header.MessageVersion != (byte)version)
        {
            return Errno.EBADMSG;
        }

        SnpGuestMessageHeader.FormIv(header.SequenceNumber, _iv);
        var plaintext = _plaintext.AsSpan(0, size);
        ChargeCrypto(size);
        if (!_vmpck!.Open(_iv, view.Ciphertext, view.AuthTag, plaintext, view.AssociatedData))
        {
            return Errno.EBADMSG;
        }

        try
        {
            response = TResponse.Decode(plaintext, version);
        }
        catch (ProtocolFormatException)
        {
            return Errno.EBADMSG;
        }

        return Errno.None;
    }

    private void ChargeCrypto(int bytes)
    {
        var cost = _timing.MessageCryptoCost(bytes);
        _vcpu.Scheduler.Advance(cost);
        _accounting._messageCryptoTime += cost;
    }
}
