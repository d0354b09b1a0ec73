using System.Diagnostics;
using SevTio.Hw.Crypto;
using SevTio.Hw.Iommu;
using SevTio.Hw.Rmp;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Firmware.Psp;

/// <summary>
/// TIO_GUEST_REQUEST: the guest's SNP message, relayed by the host into a page of its own, is authenticated and
/// decrypted under the VMPCK it names, its sequence number must be the next one the PSP expects for that VMPCK, and the
/// answer is sealed back into a firmware page the host copies to the guest. The host sees headers only.
/// </summary>
/// <remarks>
/// A message that fails authentication, carries the wrong sequence number (a replay, or one skipped), names an
/// unknown type or version, or has the wrong size is refused with INVALID_PARAM and no response; the expected
/// sequence number does not move, so the guest's next genuine message still works. [Model reading: the SNP ABI's
/// exact status for these cases is not public; INVALID_PARAM is used for all of them.]
/// </remarks>
internal sealed class TioGuestRequestProcessor
{
    private const string Span = "guest.request";

    private readonly PspFirmware _psp;

    public TioGuestRequestProcessor(PspFirmware psp) => _psp = psp;

    public PspReturnCode Execute(TioGuestRequestCommand command, ActivityContext caller)
    {
        var commandSpan = _psp.Trace.StartCommand("TIO_GUEST_REQUEST", caller);
        try
        {
            var status = Run(command, commandSpan);
            commandSpan?.SetTag("sevtio.psp.status", status.ToString());
            return status;
        }
        finally
        {
            _psp.Trace.End(commandSpan);
        }
    }

    private PspReturnCode Run(TioGuestRequestCommand command, Activity? commandSpan)
    {
        var contextPages = new List<ulong>();
        var bufferPages = new List<ulong>();
        var status = _psp.FindDevice(command.DeviceContext, contextPages, out var device);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        status = _psp.FindTdi(device, command.TdiContext, contextPages, out var tdi);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        status = _psp.FindGuest(command.GuestContextAddress, contextPages, out var guest);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        status = _psp.GatherSpdmBuffers(command.SpdmControl, bufferPages, out _);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        status = _psp.Memory.CheckPage(command.RequestAddress, PageOwnerRequirement.Hypervisor);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        status = _psp.Memory.CheckPage(command.ResponseAddress, PageOwnerRequirement.Firmware);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        bufferPages.Add(command.RequestAddress);
        bufferPages.Add(command.ResponseAddress);
        status = _psp.CheckBufferPages(bufferPages, contextPages);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        if (device.Pending is not null)
        {
            return PspReturnCode.InvalidDeviceState;
        }

        var page = new byte[SnpGuestMessage.PageSize];
        _psp.Memory.Read(command.RequestAddress, page);
        if (!TryOpen(guest, page, out var header, out var payload))
        {
            _psp.Counters._guestRequestsRefused++;
            return PspReturnCode.InvalidParam;
        }

        var version = (TioMessageVersion)header.MessageVersion;
        var span = _psp.Trace.StartPhase(Span, commandSpan);
        span?.SetTag(PspTrace.MessageTypeAttribute, header.MessageType.ToString());
        try
        {
            byte[] response;
            try
            {
                response = header.MessageType switch
                {
                    SnpGuestMessageType.TioTdiInfoRequest => TdiInfo(device, tdi, guest, TdiInfoRequest.Decode(payload, version), version),
                    SnpGuestMessageType.TioMmioValidateRequest => MmioValidate(device, tdi, guest, MmioValidateRequest.Decode(payload, version), version),
                    SnpGuestMessageType.TioMmioConfigRequest => MmioConfig(tdi, guest, MmioConfigRequest.Decode(payload, version), version),
                    SnpGuestMessageType.TioSdteWriteRequest => SdteWrite(device, tdi, guest, SdteWriteRequest.Decode(payload, version), version),
                    _ => throw new ProtocolFormatException("SNP_GUEST_MSG.hdr.msg_type", $"{header.MessageType} is not a TIO request"),
                };
            }
            catch (ProtocolFormatException)
            {
                _psp.Counters._guestRequestsRefused++;
                return PspReturnCode.InvalidParam;
            }

            Seal(guest, header, response, command.ResponseAddress);
            guest.NextSequence[header.VmpckId] = header.SequenceNumber + 2;
            guest.MessagesAnswered++;
            _psp.Counters._guestRequests++;
            return PspReturnCode.Success;
        }
        finally
        {
            _psp.Trace.End(span);
        }
    }

    /// <summary>Parses, checks the sequence number and type, and decrypts; false for anything the PSP must refuse.</summary>
    private bool TryOpen(SnpGuestContext guest, byte[] page, out SnpGuestMessageHeader header, out byte[] payload)
    {
        payload = [];
        SnpGuestMessageView view;
        try
        {
            view = SnpGuestMessage.Read(page);
        }
        catch (ProtocolFormatException)
        {
            header = default;
            return false;
        }

        header = view.Header;
        if (!TioGuestMessages.IsTioRequest(header.MessageType)
            || header.MessageSize != TioGuestMessages.PayloadSizeOf(header.MessageType)
            || header.MessageVersion is not ((byte)TioMessageVersion.V1 or (byte)TioMessageVersion.V2)
            || header.SequenceNumber != guest.NextSequence[header.VmpckId])
        {
            return false;
        }

        _psp.Scheduler.Advance(_psp.Timing.Aead(header.MessageSize));
        Span<byte> iv = stackalloc byte[SnpGuestMessageHeader.IvLength];
        SnpGuestMessageHeader.FormIv(header.SequenceNumber, iv);
        payload = new byte[header.MessageSize];
        using var aead = new AesGcm256(guest.Vmpcks[header.VmpckId]);
        return aead.Open(iv, view.Ciphertext, view.AuthTag, payload, view.AssociatedData);
    }

    private void Seal(SnpGuestContext guest, SnpGuestMessageHeader request, byte[] payload, ulong responseAddress)
    {
        _psp.Scheduler.Advance(_psp.Timing.Aead(payload.Length));
        var header = SnpGuestMessageHeader.Create(
            TioGuestMessages.ResponseTypeOf(request.MessageType),
            request.MessageVersion,
            SnpMessageSequence.ResponseSequenceNumber(request.SequenceNumber),
            (ushort)payload.Length,
            request.VmpckId);
        var page = new byte[SnpGuestMessage.PageSize];
        SnpGuestMessage.WriteUnsealed(page, header, payload.Length);
        Span<byte> iv = stackalloc byte[SnpGuestMessageHeader.IvLength];
        SnpGuestMessageHeader.FormIv(header.SequenceNumber, iv);
        Span<byte> tag = stackalloc byte[AesGcmTag.Length];
        using (var aead = new AesGcm256(guest.Vmpcks[request.VmpckId]))
        {
            aead.Seal(iv, payload, SnpGuestMessage.CiphertextOf(page, payload.Length), tag, SnpGuestMessage.AssociatedDataOf(page));
        }

        tag.CopyTo(SnpGuestMessage.AuthTagOf(page));
        _psp.Memory.Write(responseAddress, page);
    }

    /// <summary>The message names the TDI the command names (V1: the guest's device id; V2: the firmware TDI id).</summary>
    private static bool Names(TioTdiContext tdi, ulong id, TioMessageVersion version) =>
        version == TioMessageVersion.V1 ? id == tdi.GuestDeviceId : id == TdiId(tdi);

    /// <summary>The firmware TDI id: the page frame of the TDI context (the host donated it, so it can tell the guest).</summary>
    public static ulong TdiId(TioTdiContext tdi) => tdi.Handle >> 12;

    private byte[] TdiInfo(TioDeviceContext device, TioTdiContext tdi, SnpGuestContext guest, TdiInfoRequest request, TioMessageVersion version)
    {
        var bound = tdi.Guest == guest && tdi.Binding != TioTdiBinding.Unbound;
        var status = !Names(tdi, request.TdiId, version) ? TdiBindStatus.Invalid : bound ? TdiBindStatus.Bound : TdiBindStatus.Unbound;
        var response = status == TdiBindStatus.Bound
            ? new TdiInfoResponse(
                request.TdiId,
                status,
                device.MeasurementFlags,
                tdi.LockFlags,
                TioSpdmAlgorithms.Default,
                device.CertificatesDigest,
                device.MeasurementsDigest,
                tdi.ReportDigest,
                tdi.ReportCounter)
            : new TdiInfoResponse(request.TdiId, status, TioMeasurementFlags.None, TdispLockFlags.None, TioSpdmAlgorithms.Default, default, default, default, 0);
        var bytes = new byte[TdiInfoResponse.Size];
        response.Encode(bytes, version);
        return bytes;
    }

    /// <summary>
    /// MMIO_VALIDATE (statuses 0–10 of <see cref="MmioValidateStatus"/>): the subrange [range_offset, +count pages) of
    /// the reported TEE range with the given RANGE_ID must lie in one range; every page must be assigned to this
    /// guest in the RMP, 4 KiB, mapped (reverse map) at subrange_base + i·4 KiB, an I/O page, not Immutable, and of
    /// uniform Validated unless forced. Then RMP Validated is set or cleared through the PSP's privileged RMP write.
    /// </summary>
    /// <remarks>
    /// Model readings: misaligned offsets or bases are NOT_4K; NOT_IMMUTABLE refuses a page whose Immutable bit is set
    /// (MMIO pages are RMPUPDATEd mutable, and an immutable page is firmware-locked) — the reference's one-line
    /// description of this status is ambiguous. A TDI that is unbound (or whose guest's MMIO is fenced) may still be
    /// invalidated by its last guest, never validated.
    /// </remarks>
    private byte[] MmioValidate(TioDeviceContext device, TioTdiContext tdi, SnpGuestContext guest, MmioValidateRequest request, TioMessageVersion version)
    {
        var (status, changed) = Validate(device, tdi, guest, request, version);
        var bytes = new byte[MmioValidateResponse.Size];
        new MmioValidateResponse(request.TdiId, status, request.SubrangeBase, request.SubrangePageCount, request.RangeOffset, changed, request.RangeId).Encode(bytes, version);
        return bytes;
    }

    private (MmioValidateStatus Status, bool Changed) Validate(TioDeviceContext device, TioTdiContext tdi, SnpGuestContext guest, MmioValidateRequest request, TioMessageVersion version)
    {
        if (!Names(tdi, request.TdiId, version))
        {
            return (MmioValidateStatus.InvalidTdi, false);
        }

        var validate = (request.Flags & MmioValidateFlags.Validated) != 0;
        var bound = tdi.Guest == guest && tdi.Binding != TioTdiBinding.Unbound;
        var fenced = device.FenceOf(guest.Asid).Mmio != MmioFenceStatus.NotFenced;
        if (validate ? !bound || fenced : !bound && tdi.PreviousGuest != guest)
        {
            return (MmioValidateStatus.TdiUnbound, false);
        }

        if (tdi.ParsedReport is not { } report)
        {
            return (MmioValidateStatus.NotReported, false);
        }

        var teeRanges = new List<TdispMmioRange>();
        foreach (var range in report.MmioRanges)
        {
            if (range.RangeId == request.RangeId
                && (range.Attributes & (TdispMmioRangeAttributes.IsNonTeeMem | TdispMmioRangeAttributes.MsixTable | TdispMmioRangeAttributes.MsixPba)) == 0)
            {
                teeRanges.Add(range);
            }
        }

        if (teeRanges.Count == 0)
        {
            return (MmioValidateStatus.NotReported, false);
        }

        if (((request.SubrangeBase | request.RangeOffset) & (PspMemory.PageSize - 1)) != 0)
        {
            return (MmioValidateStatus.Not4K, false);
        }

        // Offsets count from the lowest first page of the RANGE_ID (the seed guest's get_range does the same).
        var origin = teeRanges.Min(r => r.FirstPage);
        var first = origin + request.RangeOffset;
        var length = (ulong)request.SubrangePageCount * PspMemory.PageSize;
        if (request.SubrangePageCount == 0 || !teeRanges.Any(r => first >= r.FirstPage && first + length <= r.FirstPage + r.SizeBytes))
        {
            return (MmioValidateStatus.OutOfRange, false);
        }

        var entries = new RmpEntry[request.SubrangePageCount];
        for (var i = 0; i < entries.Length; i++)
        {
            var spa = first + ((ulong)i * PspMemory.PageSize);
            var gpa = request.SubrangeBase + ((ulong)i * PspMemory.PageSize);
            if (!IsIo(spa))
            {
                return (MmioValidateStatus.NotIo, false);
            }

            if (!_psp.Memory.Rmp.IsCovered(spa))
            {
                return (MmioValidateStatus.NotAssigned, false);
            }

            var entry = _psp.Memory.ReadEntry(spa);
            if (!entry.Assigned || entry.Asid != guest.Asid)
            {
                return (MmioValidateStatus.NotAssigned, false);
            }

            if (entry.PageSize != RmpPageSize.Size4K)
            {
                return (MmioValidateStatus.Not4K, false);
            }

            if (entry.Gpa != gpa)
            {
                return (MmioValidateStatus.NotMapped, false);
            }

            if (entry.Immutable)
            {
                return (MmioValidateStatus.NotImmutable, false);
            }

            if (i > 0 && entry.Validated != entries[0].Validated && (request.Flags & MmioValidateFlags.ForceValidated) == 0)
            {
                return (MmioValidateStatus.NotUniform, false);
            }

            entries[i] = entry;
        }

        var changed = false;
        for (var i = 0; i < entries.Length; i++)
        {
            if (entries[i].Validated != validate)
            {
                _psp.Memory.WriteEntry(first + ((ulong)i * PspMemory.PageSize), entries[i].WithValidated(validate));
                changed = true;
            }
        }

        return (MmioValidateStatus.Success, changed);
    }

    private bool IsIo(ulong address)
    {
        var windows = _psp.Options.MmioWindows;
        if (windows.Count == 0)
        {
            return true;
        }

        foreach (var (start, length) in windows)
        {
            if (address >= start && address - start < length)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// MMIO_CONFIG: reads a reported range's attributes; a write may toggle IS_NON_TEE_MEM only on a range marked
    /// updatable. Statuses (not public, so the model's): 0 success, 1 invalid TDI, 2 unbound, 3 range not reported,
    /// 4 attribute not updatable.
    /// </summary>
    private static byte[] MmioConfig(TioTdiContext tdi, SnpGuestContext guest, MmioConfigRequest request, TioMessageVersion version)
    {
        ushort status;
        var attributes = MmioConfigAttributes.None;
        if (!Names(tdi, request.TdiId, version))
        {
            status = 1;
        }
        else if (tdi.Guest != guest || tdi.Binding == TioTdiBinding.Unbound)
        {
            status = 2;
        }
        else if (tdi.ParsedReport?.MmioRanges.FirstOrDefault(r => r.RangeId == request.RangeId && (r.Attributes & (TdispMmioRangeAttributes.MsixTable | TdispMmioRangeAttributes.MsixPba)) == 0) is not { } range
                 || range == default)
        {
            status = 3;
        }
        else
        {
            attributes = (MmioConfigAttributes)(ushort)range.Attributes;
            var wantsNonTee = request.NonTeeMemory;
            var isNonTee = (attributes & MmioConfigAttributes.NonTeeMemory) != 0;
            status = request.Write && wantsNonTee != isNonTee && (attributes & MmioConfigAttributes.MemoryAttributesUpdatable) == 0 ? (ushort)4 : (ushort)0;
        }

        var bytes = new byte[MmioConfigResponse.Size];
        new MmioConfigResponse(request.TdiId, status, attributes, request.RangeId, request.Write).Encode(bytes, version);
        return bytes;
    }

    /// <summary>
    /// SDTE_WRITE: only V, IR, IW, VMPL, vTOM_EN and vTOM of the guest's image reach the sDTE; an image with any other
    /// bit set is RESERVED and changes nothing. Enabling (V = 1) needs the TDI bound to this guest and its DMA not
    /// error-fenced (then TDI_NOT_BOUND, the model's choice among the four public statuses); clearing by the TDI's last
    /// guest after unbind succeeds without effect.
    /// </summary>
    private byte[] SdteWrite(TioDeviceContext device, TioTdiContext tdi, SnpGuestContext guest, SdteWriteRequest request, TioMessageVersion version)
    {
        var image = request.Sdte.ToArray();
        var entry = SecureDeviceTableEntry.Decode(image);
        SdteWriteStatus status;
        if (!Names(tdi, request.TdiId, version))
        {
            status = SdteWriteStatus.InvalidTdi;
        }
        else if (!OnlyGuestWritable(entry))
        {
            status = SdteWriteStatus.Reserved;
        }
        else
        {
            var bound = tdi.Guest == guest && tdi.Binding != TioTdiBinding.Unbound;
            var fenced = device.FenceOf(guest.Asid).Dma == DmaFenceStatus.ErrorFenced;
            if (entry.Valid ? !bound || fenced : !bound && tdi.PreviousGuest != guest)
            {
                status = SdteWriteStatus.TdiNotBound;
            }
            else
            {
                if (bound)
                {
                    _psp.Scheduler.Advance(_psp.Timing.SdteWrite);
                    _psp.Iommu.WriteSecureDeviceTableEntryGuestFields(tdi.InterfaceId.RequesterId, in entry);
                }

                status = SdteWriteStatus.Success;
            }
        }

        var bytes = new byte[SdteWriteResponse.Size];
        new SdteWriteResponse(request.TdiId, status).Encode(bytes, version);
        return bytes;
    }

    private static bool OnlyGuestWritable(in SecureDeviceTableEntry entry)
    {
        var guestOnly = default(SecureDeviceTableEntry);
        guestOnly.ApplyGuestWritableFields(in entry);
        return guestOnly.Equals(entry);
    }
}
