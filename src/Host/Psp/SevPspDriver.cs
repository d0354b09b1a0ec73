using SevTio.Firmware.Psp.Mailbox;
using SevTio.Host.Memory;
using SevTio.Hw.Rmp;
using SevTio.Hw.Simulation;
using SevTio.Protocols.Doe;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Wire;

namespace SevTio.Host.Psp;

/// <summary>
/// The host's PSP driver (Linux drivers/crypto/ccp/sev-dev.c and sev-dev-tio.c): command buffers in a page of its
/// own, firmware page donation (RMPUPDATE to the firmware state) and reclaim (SNP_PAGE_RECLAIM), and the SEV-TIO
/// continuation loop: on SPDM_REQUEST relay the request object over DOE, write the reply into the response buffer
/// and re-issue the saved command image; on EXPAND_BUFFER_LENGTH_REQUEST reallocate the output buffer to the
/// capacity the PSP asked for and re-issue. The host sees only what crosses these buffers: never a key.
/// </summary>
public sealed class SevPspDriver
{
    private readonly HostMemoryView _memory;
    private readonly HostPageAllocator _pages;
    private readonly Scheduler _scheduler;
    private readonly HostTiming _timing;
    private readonly ulong _commandPage;
    private int _depth;

    public SevPspDriver(PspMailbox mailbox, HostMemoryView memory, HostPageAllocator pages, Scheduler scheduler, HostTiming timing)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(pages);
        Mailbox = mailbox;
        _memory = memory;
        _pages = pages;
        _scheduler = scheduler;
        _timing = timing;
        _commandPage = pages.Allocate();
    }

    public PspMailbox Mailbox { get; }

    /// <summary>Mailbox commands issued (continuations included).</summary>
    public long Commands { get; private set; }

    /// <summary>SPDM_REQUEST round trips relayed.</summary>
    public long Continuations { get; private set; }

    /// <summary>EXPAND_BUFFER_LENGTH_REQUEST answers handled.</summary>
    public long Expansions { get; private set; }

    /// <summary>True while a command (or its continuation loop) is inside the mailbox: nothing may enter it meanwhile.</summary>
    public bool IsBusy => _depth > 0;

    /// <summary>The status of the last command.</summary>
    public PspReturnCode LastStatus { get; private set; }

    /// <summary>Issues a SEV-TIO command that needs no device exchange.</summary>
    public PspReturnCode Execute<T>(T command)
        where T : struct, IPspCommandBuffer<T>
    {
        var bytes = new byte[T.EncodedSize];
        command.Encode(bytes);
        return Issue((uint)T.CommandId, bytes);
    }

    /// <summary>Issues an SNP command with its buffer.</summary>
    public PspReturnCode Execute(SnpCommandId command, ReadOnlySpan<byte> buffer) => Issue((uint)command, buffer);

    /// <summary>
    /// Issues an SPDM-carrying SEV-TIO command and runs its continuation loop. <paramref name="build"/> makes the
    /// command for the current SPDM buffers (it is rebuilt after an output-buffer expansion).
    /// </summary>
    public PspReturnCode ExecuteWithSpdm<T>(Func<SpdmControl, T> build, SpdmBufferSet buffers, ISpdmRelay relay)
        where T : struct, IPspCommandBuffer<T>
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentNullException.ThrowIfNull(relay);
        _depth++;
        try
        {
            return Continue(build, buffers, relay);
        }
        finally
        {
            _depth--;
        }
    }

    private PspReturnCode Continue<T>(Func<SpdmControl, T> build, SpdmBufferSet buffers, ISpdmRelay relay)
        where T : struct, IPspCommandBuffer<T>
    {
        var image = SavedImage(build(buffers.Control));
        var status = Issue((uint)T.CommandId, image);
        for (var guard = 0; guard < 100_000; guard++)
        {
            if (status == PspReturnCode.SpdmRequest)
            {
                Continuations++;
                RelayOnce(buffers, relay);
            }
            else if (status == PspReturnCode.ExpandBufferLengthRequest)
            {
                Expansions++;
                var header = SlaBufferHeader.Decode(ReadRaw(buffers.Output.Pages[0], SlaBufferHeader.Size));
                var pagesNeeded = (int)((header.Capacity + 4095) / 4096);
                if (pagesNeeded <= buffers.Output.Pages.Count || pagesNeeded > 511)
                {
                    return status;
                }

                buffers.ResizeOutput(pagesNeeded);
                image = SavedImage(build(buffers.Control));
            }
            else
            {
                return status;
            }

            status = Issue((uint)T.CommandId, image);
        }

        return status;
    }

    /// <summary>A page given to the PSP: allocated, then RMPUPDATEd to the firmware state (assigned, ASID 0, immutable).</summary>
    public ulong DonateFirmwarePage()
    {
        var page = _pages.Allocate();
        _scheduler.Advance(_timing.RmpUpdate);
        var status = _memory.Rmp.RmpUpdate(page, RmpUpdateState.Firmware());
        if (status != RmpStatus.Success)
        {
            _pages.Free(page);
            throw new InvalidOperationException($"RMPUPDATE of 0x{page:X} to firmware failed: {status}");
        }

        return page;
    }

    /// <summary>Takes a firmware page back (SNP_PAGE_RECLAIM) and frees it; returns the PSP's status.</summary>
    public PspReturnCode ReclaimFirmwarePage(ulong page)
    {
        var buffer = new byte[SnpAddressCommand.Size];
        new SnpAddressCommand(page).Encode(buffer);
        var status = Execute(SnpCommandId.SnpPageReclaim, buffer);
        if (status == PspReturnCode.Success)
        {
            _pages.Free(page);
        }

        return status;
    }

    /// <summary>Allocates a buffer of <paramref name="pageCount"/> pages (with a scatter page when more than one).</summary>
    public FirmwareBuffer AllocateBuffer(int pageCount, bool firmwareOwned)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageCount, 1);
        var pages = new ulong[pageCount];
        for (var i = 0; i < pageCount; i++)
        {
            pages[i] = firmwareOwned ? DonateFirmwarePage() : _pages.Allocate();
        }

        ulong? scatter = null;
        if (pageCount > 1)
        {
            var list = new byte[4096];
            ScatterPage.Encode(pages.Select(p => ScatterListAddress.FromPhysicalAddress(p)).ToArray(), list);
            var page = _pages.Allocate();
            WriteChecked(page, list);
            if (firmwareOwned)
            {
                _scheduler.Advance(_timing.RmpUpdate);
                _memory.Rmp.RmpUpdate(page, RmpUpdateState.Firmware());
            }

            scatter = page;
        }

        return new FirmwareBuffer(pages, scatter, firmwareOwned);
    }

    /// <summary>Returns a buffer's pages: reclaimed from the PSP when firmware-owned, then freed.</summary>
    public void FreeBuffer(FirmwareBuffer buffer)
    {
        foreach (var page in buffer.AllPages)
        {
            if (buffer.FirmwareOwned)
            {
                ReclaimFirmwarePage(page);
            }
            else
            {
                _pages.Free(page);
            }
        }
    }

    /// <summary>The host reads memory without RMP checks (it sees raw bytes: ciphertext of private pages).</summary>
    public byte[] ReadRaw(ulong address, int length)
    {
        var bytes = new byte[length];
        _memory.Read(address, bytes);
        return bytes;
    }

    public byte[] ReadBuffer(FirmwareBuffer buffer)
    {
        var bytes = new byte[buffer.Capacity];
        for (var i = 0; i < buffer.Pages.Count; i++)
        {
            _memory.Read(buffer.Pages[i], bytes.AsSpan(i * 4096, 4096));
        }

        return bytes;
    }

    /// <summary>A host write: it must land on hypervisor-owned pages (the RMP refuses anything else).</summary>
    public void WriteChecked(ulong address, ReadOnlySpan<byte> data)
    {
        var result = _memory.Write(address, data);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"host write at 0x{address:X} faulted: {result.Violation}");
        }
    }

    private void RelayOnce(SpdmBufferSet buffers, ISpdmRelay relay)
    {
        // The PSP names the span that asked for this message (the mailbox's trace context), so the relay, the DOE
        // exchange and the device's handling nest under the PSP phase that needs them.
        var span = Hw.Telemetry.SimSpan.Start(HostTelemetry.Source, HostTelemetry.SpdmRelaySpan, _scheduler.Now, parent: Mailbox.RelayContext);
        try
        {
            RelayOnceCore(buffers, relay);
        }
        finally
        {
            Hw.Telemetry.SimSpan.End(span, _scheduler.Now);
        }
    }

    private void RelayOnceCore(SpdmBufferSet buffers, ISpdmRelay relay)
    {
        byte[]? reply = null;
        var dataType = SpdmDataType.Spdm;
        try
        {
            var request = SlaBuffer.ReadSpdm(ReadBuffer(buffers.Request), DataObjectId.Request);
            dataType = request.DataType;
            reply = relay.Relay(dataType == SpdmDataType.SecuredSpdm ? DoeDataObjectType.SecuredSpdm : DoeDataObjectType.Spdm, request.Message.ToArray());
        }
        catch (ProtocolFormatException)
        {
            // A request buffer the host cannot read: it relays nothing and lets the PSP see an empty reply.
        }

        var bytes = new byte[buffers.Response.Capacity];
        int used;
        try
        {
            used = SlaBuffer.WriteSpdmResponse(bytes, dataType, reply ?? []);
        }
        catch (ArgumentException)
        {
            used = SlaBuffer.WriteSpdmResponse(bytes, dataType, []);
        }

        for (var i = 0; i * 4096 < used; i++)
        {
            WriteChecked(buffers.Response.Pages[i], bytes.AsSpan(i * 4096, Math.Min(4096, used - (i * 4096))));
        }
    }

    /// <summary>The 128-byte saved-command image (0xFF padded) the host re-issues from (sev-dev-tio.c <c>sev_tio_do_cmd</c>).</summary>
    private static byte[] SavedImage<T>(T command)
        where T : struct, IPspCommandBuffer<T>
    {
        var bytes = new byte[T.EncodedSize];
        command.Encode(bytes);
        var image = new byte[PspCommandBuffer.SavedCommandLength];
        PspCommandBuffer.SaveCommand(bytes, image);
        return image;
    }

    private PspReturnCode Issue(uint command, ReadOnlySpan<byte> buffer)
    {
        Commands++;
        _depth++;
        try
        {
            WriteChecked(_commandPage, buffer);
            LastStatus = Mailbox.Execute(command, _commandPage);
            return LastStatus;
        }
        finally
        {
            _depth--;
        }
    }
}
