using System.Security.Cryptography;
using SevTio.Hw.Iommu;
using SevTio.Hw.Rmp;
using SevTio.Hw.Simulation;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Guest.Tests.Fakes;

/// <summary>
/// The PSP's guest-request handling, written for the tests from the protocol definitions: it opens the guest's
/// message with the BCL <see cref="AesGcm"/> under the VMPCK (an implementation independent of the guest's engine),
/// insists on the expected sequence number, answers TDI_INFO with SHA-384 digests of the device's true evidence,
/// MMIO_VALIDATE by setting RMP.Validated on the BAR pages, and SDTE_WRITE by programming the IOMMU's sDTE.
/// </summary>
internal sealed class FakePsp : IDisposable
{
    private readonly GuestTestPlatform _platform;
    private readonly AesGcm _vmpck;

    public FakePsp(GuestTestPlatform platform)
    {
        _platform = platform;
        _vmpck = new AesGcm(platform.Vmpck, AesGcmTag.Length);
    }

    /// <summary>Simulated time the PSP spends on one guest request (a fake figure).</summary>
    public SimTime RequestCost { get; set; } = SimTime.FromMicroseconds(20);

    public ulong ExpectedSequence { get; private set; } = 1;

    public bool Bound { get; set; }

    /// <summary>The firmware TDI id BIND returns.</summary>
    public ulong TdiId { get; } = 0x51;

    public bool MeasurementsDigestValid { get; set; } = true;

    public ulong ReportCount { get; set; }

    public List<SnpGuestMessageType> Requests { get; } = [];

    public List<TioMessageVersion> Versions { get; } = [];

    public List<MmioValidateRequest> MmioRequests { get; } = [];

    public SecureDeviceTableEntryImage? LastSdte { get; private set; }

    /// <summary>Handles a sealed request page and writes the sealed response page; returns the firmware status.</summary>
    public uint Handle(ReadOnlySpan<byte> requestPage, Span<byte> responsePage)
    {
        _platform.Scheduler.Advance(RequestCost);
        SnpGuestMessageView view;
        try
        {
            view = SnpGuestMessage.Read(requestPage);
        }
        catch (ProtocolFormatException)
        {
            return (uint)PspReturnCode.InvalidParam;
        }

        var header = view.Header;
        if (header.SequenceNumber != ExpectedSequence || header.VmpckId != 0)
        {
            return (uint)PspReturnCode.InvalidParam;
        }

        var plaintext = new byte[header.MessageSize];
        var iv = new byte[SnpGuestMessageHeader.IvLength];
        SnpGuestMessageHeader.FormIv(header.SequenceNumber, iv);
        try
        {
            _vmpck.Decrypt(iv, view.Ciphertext, view.AuthTag, plaintext, view.AssociatedData);
        }
        catch (AuthenticationTagMismatchException)
        {
            return (uint)PspReturnCode.BadSignature;
        }

        var version = (TioMessageVersion)header.MessageVersion;
        Requests.Add(header.MessageType);
        Versions.Add(version);
        _version = version;
        byte[] response;
        try
        {
            response = header.MessageType switch
            {
                SnpGuestMessageType.TioTdiInfoRequest => Encode(TdiInfo(TdiInfoRequest.Decode(plaintext, version)), version),
                SnpGuestMessageType.TioMmioValidateRequest => Encode(MmioValidate(MmioValidateRequest.Decode(plaintext, version)), version),
                SnpGuestMessageType.TioSdteWriteRequest => Encode(SdteWrite(SdteWriteRequest.Decode(plaintext, version)), version),
                _ => throw new ProtocolFormatException("msg_type", header.MessageType.ToString()),
            };
        }
        catch (ProtocolFormatException)
        {
            return (uint)PspReturnCode.InvalidParam;
        }

        var responseHeader = SnpGuestMessageHeader.Create(header.MessageType + 1, header.MessageVersion, header.SequenceNumber + 1, (ushort)response.Length, header.VmpckId);
        SnpGuestMessage.WriteUnsealed(responsePage, responseHeader, response.Length);
        SnpGuestMessageHeader.FormIv(responseHeader.SequenceNumber, iv);
        _vmpck.Encrypt(iv, response, SnpGuestMessage.CiphertextOf(responsePage, response.Length), SnpGuestMessage.AuthTagOf(responsePage), SnpGuestMessage.AssociatedDataOf(responsePage));
        ExpectedSequence += 2;
        return 0;
    }

    public void Dispose() => _vmpck.Dispose();

    private static byte[] Encode<T>(T message, TioMessageVersion version)
        where T : struct, ITioGuestMessage<T>
    {
        var bytes = new byte[T.EncodedSize];
        message.Encode(bytes, version);
        return bytes;
    }

    private TioMessageVersion _version;

    /// <summary>The id the messages must carry: V1 the guest's 16-bit device id, V2 the firmware TDI id.</summary>
    private ulong GuestDeviceId => _version == TioMessageVersion.V1 ? GuestTestPlatform.DeviceAddress.RequesterId : TdiId;

    private TdiInfoResponse TdiInfo(TdiInfoRequest request)
    {
        var device = _platform.Device;
        ReportCount++;
        return new TdiInfoResponse(
            request.TdiId,
            Bound && request.TdiId == GuestDeviceId ? TdiBindStatus.Bound : TdiBindStatus.Unbound,
            MeasurementsDigestValid ? TioMeasurementFlags.DigestValid : TioMeasurementFlags.None,
            TdispLockFlags.NoFirmwareUpdate | TdispLockFlags.LockMsix,
            TioSpdmAlgorithms.Default,
            Sha(device.Certificates),
            Sha(device.Measurements),
            Sha(device.ReportBytes),
            ReportCount);
    }

    private MmioValidateResponse MmioValidate(MmioValidateRequest request)
    {
        MmioRequests.Add(request);
        var status = MmioValidateCore(request, out var changed);
        return new MmioValidateResponse(request.TdiId, status, request.SubrangeBase, request.SubrangePageCount, request.RangeOffset, changed, request.RangeId);
    }

    private MmioValidateStatus MmioValidateCore(MmioValidateRequest request, out bool changed)
    {
        changed = false;
        if (request.TdiId != GuestDeviceId)
        {
            return MmioValidateStatus.InvalidTdi;
        }

        if (!Bound)
        {
            return MmioValidateStatus.TdiUnbound;
        }

        ulong reportedPages = 0;
        foreach (var range in _platform.Device.Report.MmioRanges)
        {
            if (range.RangeId == request.RangeId)
            {
                reportedPages += range.NumberOfPages;
            }
        }

        if (reportedPages == 0)
        {
            return MmioValidateStatus.NotReported;
        }

        if (request.SubrangePageCount == 0 || request.SubrangePageCount > reportedPages)
        {
            return MmioValidateStatus.OutOfRange;
        }

        var (barSpa, barSize) = request.RangeId == 0
            ? (GuestTestPlatform.Bar0Spa, GuestTestPlatform.Bar0Size)
            : (GuestTestPlatform.Bar2Spa, GuestTestPlatform.Bar2Size);
        var validate = (request.Flags & MmioValidateFlags.Validated) != 0;
        for (uint i = 0; i < request.SubrangePageCount; i++)
        {
            var gpa = request.SubrangeBase + ((ulong)i << 12);
            if (!_platform.Map.TryTranslate(gpa, out var spa, out _) || spa < barSpa || spa >= barSpa + barSize)
            {
                return MmioValidateStatus.NotMapped;
            }

            var entry = _platform.Rmp.ReadEntry(spa);
            if (!entry.Assigned || entry.Asid != GuestTestPlatform.Asid || entry.Gpa != gpa)
            {
                return MmioValidateStatus.NotAssigned;
            }
        }

        for (uint i = 0; i < request.SubrangePageCount; i++)
        {
            var gpa = request.SubrangeBase + ((ulong)i << 12);
            _platform.Map.TryTranslate(gpa, out var spa, out _);
            var entry = _platform.Rmp.ReadEntry(spa);
            if (entry.Validated != validate)
            {
                Assert.Equal(RmpStatus.Success, _platform.Rmp.FirmwareWriteEntry(spa, entry.WithValidated(validate)));
                changed = true;
            }
        }

        return MmioValidateStatus.Success;
    }

    private SdteWriteResponse SdteWrite(SdteWriteRequest request)
    {
        if (request.TdiId != GuestDeviceId)
        {
            return new SdteWriteResponse(request.TdiId, SdteWriteStatus.InvalidTdi);
        }

        if (!Bound)
        {
            return new SdteWriteResponse(request.TdiId, SdteWriteStatus.TdiNotBound);
        }

        Span<byte> image = stackalloc byte[SecureDeviceTableEntryImage.Length];
        request.Sdte.CopyTo(image);
        var guest = SecureDeviceTableEntry.Decode(image);
        var onlyGuestFields = default(SecureDeviceTableEntry);
        onlyGuestFields.ApplyGuestWritableFields(guest);
        if (onlyGuestFields != guest)
        {
            return new SdteWriteResponse(request.TdiId, SdteWriteStatus.Reserved);
        }

        LastSdte = request.Sdte;
        var rid = GuestTestPlatform.DeviceAddress.RequesterId;
        if (request.Sdte.IsZero)
        {
            _platform.Iommu.ClearSecureDeviceTableEntry(rid);
        }
        else
        {
            var entry = _platform.Iommu.ReadSecureDeviceTableEntry(rid);
            entry.Asid = GuestTestPlatform.Asid;
            entry.GuestDeviceId = rid;
            entry.ApplyGuestWritableFields(guest);
            _platform.Iommu.WriteSecureDeviceTableEntry(rid, entry);
        }

        return new SdteWriteResponse(request.TdiId, SdteWriteStatus.Success);
    }

    private static Sha384Digest Sha(byte[] blob) => Sha384Digest.FromBytes(SHA384.HashData(blob));
}
