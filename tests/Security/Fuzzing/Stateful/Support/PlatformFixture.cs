using System.Security.Cryptography;
using System.Text;
using SevTio.Firmware.Psp;
using SevTio.Host;
using SevTio.Host.Psp;
using SevTio.Host.Snp;
using SevTio.Host.Tsm;
using SevTio.Hw.Ide;
using SevTio.Hw.Rmp;
using SevTio.Protocols.Doe;
using SevTio.Protocols.GuestMessages;
using SevTio.Protocols.Psp;
using SevTio.TestSupport;

namespace SevTio.Security.Tests.Fuzzing.Stateful.Support;

/// <summary>How far the platform is brought up before the fuzz inputs arrive.</summary>
internal enum PlatformStage
{
    /// <summary>TIO initialised, a guest launched with the device's TDI assigned, the device not yet connected.</summary>
    Initialized,

    /// <summary>The device connected (SPDM session, IDE keys, streams enabled).</summary>
    Connected,

    /// <summary>The TDI bound to the guest (CONFIG_LOCKED, MMIO private).</summary>
    Bound,

    /// <summary>The TDI running (RUN).</summary>
    Running,
}

/// <summary>
/// A whole SEV-TIO platform brought up by the real hypervisor (<see cref="SevTioTestPlatform"/>: memory, RMP, IOMMU,
/// the TEE-IO test device, the PSP; <see cref="Hypervisor"/> over it) to a chosen <see cref="PlatformStage"/>, plus what
/// a fuzz target standing in for a hostile host or guest needs: the addresses of the live contexts, SPDM buffers of its
/// own, a command page, a data page, and the guest's VMPCK0.
/// </summary>
internal sealed class PlatformFixture : IDisposable
{
    public const ushort GuestRid = 0x0018;

    public PlatformFixture(PlatformStage stage, int seed)
    {
        Stage = stage;
        Seed = seed;
        Platform = new SevTioTestPlatform(seed);
        Hypervisor = new Hypervisor(new HypervisorOptions
        {
            Scheduler = Platform.Scheduler,
            MemoryController = Platform.Controller,
            Rmp = Platform.Rmp,
            Iommu = Platform.Iommu,
            PspMailbox = Platform.Psp.Mailbox,
            HostMemoryBase = SevTioTestPlatform.HostMemoryBase,
            HostMemoryBytes = SevTioTestPlatform.HostMemoryBytes,
            Random = new Random(seed + 10),
        });
        Hypervisor.Pci.Register(TeeIoTestDevice.Bdf, Platform.Device.Config);
        Hypervisor.Pci.Register(TeeIoTestDevice.RootPortBdf, Platform.Device.RootPortConfig);
        Require(Hypervisor.InitializeTio(), "TIO init");
        Link = Hypervisor.AddDevice(new TioDeviceConfiguration
        {
            DeviceId = TeeIoTestDevice.Bdf,
            RootPortBdf = TeeIoTestDevice.RootPortBdf,
            RootPortId = TeeIoTestDevice.RootPortId,
        });
        Guest = Hypervisor.LaunchGuest(new SnpGuestConfiguration { MemoryBytes = 4UL << 20, SwiotlbBytes = 2UL << 20 });
        Tdi = Hypervisor.AssignTdi(Link, TeeIoTestDevice.Bdf, Guest, GuestRid);
        if (stage >= PlatformStage.Connected)
        {
            Require(Link.Connect(), "connect");
        }

        if (stage >= PlatformStage.Bound)
        {
            Require(Link.Bind(Tdi), "bind");
        }

        if (stage >= PlatformStage.Running)
        {
            Require(Link.Run(Tdi), "run");
        }

        CommandPage = Hypervisor.Pages.Allocate();
        RequestPage = Hypervisor.Pages.Allocate();
        DataPage = Hypervisor.Psp.DonateFirmwarePage();
        ResponsePage = Hypervisor.Psp.DonateFirmwarePage();
        Spdm = new SpdmBufferSet(Hypervisor.Psp, responsePages: 4, outputPages: 16);
        RenewSpares();
        var read = Guest.Memory.Read(Guest.SecretsGpa + (ulong)SevTio.Firmware.Psp.Mailbox.SnpSecretsPage.VmpckOffset(0), Vmpck0, encrypted: true);
        if (!read.Succeeded)
        {
            throw new InvalidOperationException("the guest's VMPCK0 is not readable");
        }

    }

    public PlatformStage Stage { get; }

    public int Seed { get; }

    /// <summary>The inputs the platform accepted since it was built (what a failure depends on besides its own input).</summary>
    public List<string> History { get; } = [];

    public string HistoryText => $"\n platform (stage {Stage}, seed {Seed}) accepted before this input ({History.Count}):\n  "
        + string.Join("\n  ", History.TakeLast(40));

    public SevTioTestPlatform Platform { get; }

    public Hypervisor Hypervisor { get; }

    public TioDeviceLink Link { get; }

    public SnpGuest Guest { get; }

    public TioTdiLink Tdi { get; }

    public PspFirmware Psp => Platform.Psp;

    /// <summary>A hypervisor page the fuzz target writes command buffers into.</summary>
    public ulong CommandPage { get; }

    /// <summary>A hypervisor page for guest-request messages.</summary>
    public ulong RequestPage { get; }

    /// <summary>A firmware page for status outputs.</summary>
    public ulong DataPage { get; }

    /// <summary>A firmware page for guest-request responses.</summary>
    public ulong ResponsePage { get; }

    public SpdmBufferSet Spdm { get; }

    /// <summary>Firmware pages for a device context that does not exist yet (TIO_DEV_CREATE).</summary>
    public FirmwareBuffer SpareDeviceContext { get; private set; } = null!;

    /// <summary>Firmware pages for a TDI context that does not exist yet (TIO_TDI_CREATE).</summary>
    public FirmwareBuffer SpareTdiContext { get; private set; } = null!;

    /// <summary>A firmware page nothing uses (SNP_GCTX_CREATE, SNP_PAGE_RECLAIM).</summary>
    public ulong SparePage { get; private set; }

    /// <summary>Fresh spare pages (after a command the PSP accepted may have used them).</summary>
    public void RenewSpares()
    {
        SpareDeviceContext = Hypervisor.Psp.AllocateBuffer((int)(Hypervisor.TioStatus.DeviceContextSize / 4096), firmwareOwned: true);
        SpareTdiContext = Hypervisor.Psp.AllocateBuffer((int)(Hypervisor.TioStatus.TdiContextSize / 4096), firmwareOwned: true);
        SparePage = Hypervisor.Psp.DonateFirmwarePage();
    }

    public byte[] Vmpck0 { get; } = new byte[32];

    private byte[] _snapshotMemory = [];
    private long _snapshotGeneration;

    /// <summary>The device context as its creator names it (a scatter list when it spans pages), if the PSP has one.</summary>
    public ScatterListAddress? DeviceContext => Psp.Devices.Values.FirstOrDefault() is { } device
        ? (device.Pages.Count > 1 ? ScatterListAddress.Scatter(device.Handle >> 12) : ScatterListAddress.FromPhysicalAddress(device.Handle))
        : null;

    public ScatterListAddress? TdiContext => Tdi.Context?.Sla;

    /// <summary>
    /// The firmware's state, and the RMP entries and contents of <paramref name="pages"/> and the platform's key pages:
    /// what a rejected command must leave as it was.
    /// </summary>
    public PlatformSnapshot Snapshot(IEnumerable<ulong> pages)
    {
        var covered = new List<ulong>();
        foreach (var page in KeyPages().Concat(pages).Distinct().Order())
        {
            if (page < SevTioTestPlatform.MemorySize && Platform.Rmp.IsCovered(page) && !Platform.Rmp.IsInTable(page))
            {
                covered.Add(page);
            }
        }

        // One reused buffer for the contents (a snapshot is compared before the next one is taken).
        var entries = new RmpEntry[covered.Count];
        if (_snapshotMemory.Length < covered.Count * 4096)
        {
            _snapshotMemory = new byte[covered.Count * 4096 * 2];
        }

        for (var i = 0; i < covered.Count; i++)
        {
            entries[i] = Platform.Rmp.ReadEntry(covered[i]);
            Platform.Memory.Read(covered[i], _snapshotMemory.AsSpan(i * 4096, 4096));
        }

        return new PlatformSnapshot(StateText(), covered, entries, _snapshotMemory, ++_snapshotGeneration);
    }

    /// <summary>
    /// What changed since <paramref name="before"/> (the last snapshot taken): the state, the RMP entries or the contents
    /// of its pages; null when nothing did.
    /// </summary>
    public string? ChangesSince(PlatformSnapshot before)
    {
        if (before.Generation != _snapshotGeneration)
        {
            throw new InvalidOperationException("only the last snapshot can be compared");
        }

        var state = StateText();
        if (before.State != state)
        {
            return $"state:\n before {before.State}\n after  {state}";
        }

        Span<byte> page = stackalloc byte[4096];
        for (var i = 0; i < before.Pages.Count; i++)
        {
            var entry = Platform.Rmp.ReadEntry(before.Pages[i]);
            if (entry != before.Entries[i])
            {
                return $"the RMP entry of 0x{before.Pages[i]:X}: {before.Entries[i]} -> {entry}";
            }

            Platform.Memory.Read(before.Pages[i], page);
            if (!page.SequenceEqual(before.Memory.AsSpan(i * 4096, 4096)))
            {
                return $"the contents of page 0x{before.Pages[i]:X}";
            }
        }

        return null;
    }

    /// <summary>The firmware's contexts, the IDE key slots and the device's TDI state, as text.</summary>
    private string StateText()
    {
        var psp = Psp;
        var text = new StringBuilder();
        text.Append($"init={psp.TioInitialized}; ");
        foreach (var (handle, device) in psp.Devices.OrderBy(d => d.Key))
        {
            text.Append($"dev {handle:X}: {device.State} pending={device.Pending is not null} keys={device.ActiveKeySet}/{device.ProgrammedKeySets} streams={device.StreamIds} certs={device.CertificatesDigest} meas={device.MeasurementsDigest} fences={string.Join(",", device.Fences.Select(f => $"{f.Key}:{f.Value.Dma}/{f.Value.Mmio}"))}; ");
        }

        foreach (var (handle, tdi) in psp.Tdis.OrderBy(t => t.Key))
        {
            text.Append($"tdi {handle:X}: {tdi.Binding} {tdi.LastState} guest={tdi.Guest?.Address:X} report={tdi.ReportCounter}/{tdi.ReportDigest} ran={tdi.HasRun}; ");
        }

        foreach (var (address, guest) in psp.Guests.OrderBy(g => g.Key))
        {
            text.Append($"guest {address:X}: asid={guest.Asid} gone={guest.Decommissioned} seq={string.Join(",", guest.NextSequence)} answered={guest.MessagesAnswered}; ");
        }

        foreach (var port in new[] { Platform.Device.RootPort, Platform.Device.Ide })
        {
            var stream = port.Streams[0];
            text.Append($"{port.Name}: {stream.State} {stream.IsEnabled}");
            for (var ss = 0; ss < 3; ss++)
            {
                foreach (var dir in new[] { IdeDirection.Receive, IdeDirection.Transmit })
                {
                    text.Append(stream.GetKeyState((IdeSubstream)ss, dir, IdeKeySet.K0).Armed ? '+' : '-');
                    text.Append(stream.GetKeyState((IdeSubstream)ss, dir, IdeKeySet.K1).Armed ? '+' : '-');
                }
            }

            text.Append("; ");
        }

        text.Append($"dsm tdi={Platform.Device.Tdi.State}; ");
        return text.ToString();
    }

    /// <summary>Pages every snapshot covers: contexts, the guest context, the fixture's buffers and output pages.</summary>
    public IEnumerable<ulong> KeyPages()
    {
        foreach (var device in Psp.Devices.Values)
        {
            foreach (var page in device.AllPages)
            {
                yield return page;
            }
        }

        foreach (var tdi in Psp.Tdis.Values)
        {
            foreach (var page in tdi.AllPages)
            {
                yield return page;
            }
        }

        yield return Guest.GuestContextAddress;
        yield return SparePage;
        foreach (var page in SpareDeviceContext.AllPages.Concat(SpareTdiContext.AllPages))
        {
            yield return page;
        }

        yield return DataPage;
        yield return ResponsePage;
        foreach (var buffer in new[] { Spdm.Request, Spdm.Scratch, Spdm.Output })
        {
            foreach (var page in buffer.AllPages)
            {
                yield return page;
            }
        }

        // The TDI's TEE MMIO (the first pages of BAR0 and BAR4).
        yield return TeeIoTestDevice.Bar0;
        yield return TeeIoTestDevice.Bar4;
    }

    /// <summary>
    /// Completes a device operation the PSP started (SPDM_REQUEST) the way the host does: relays each request object in
    /// the request buffer the command names to the device's DOE responder, writes the reply into its response buffer,
    /// and re-issues the command. Returns the final status (EXPAND_BUFFER_LENGTH_REQUEST is returned as is).
    /// </summary>
    public PspReturnCode Continue(uint command, byte[] buffer, SpdmControl control, PspReturnCode status, Func<byte[], byte[]>? tamper = null)
    {
        for (var i = 0; i < 10_000 && status == PspReturnCode.SpdmRequest; i++)
        {
            var request = SlaBuffer.ReadSpdm(ReadSla(control.Request), DataObjectId.Request);
            var type = request.DataType == SpdmDataType.SecuredSpdm ? DoeDataObjectType.SecuredSpdm : DoeDataObjectType.Spdm;
            var reply = Platform.Device.Responder.Respond(DoeDataObject.Encode(type, request.Message));
            var response = new byte[ReadSla(control.Response).Length];
            if (reply is not null)
            {
                DoeDataObject.Decode(reply, out var payload);
                SlaBuffer.WriteSpdmResponse(response, request.DataType, tamper is null ? payload : tamper(payload.ToArray()));
            }

            WriteSla(control.Response, response);
            status = Issue(command, buffer);
        }

        return status;
    }

    /// <summary>Writes a command buffer into the command page and issues it through the mailbox.</summary>
    public PspReturnCode Issue(uint command, byte[] buffer)
    {
        WriteCommand(buffer);
        return Execute(command);
    }

    /// <summary>Writes a command buffer into the command page (zero-filled after it).</summary>
    public void WriteCommand(byte[] buffer)
    {
        var page = new byte[4096];
        buffer.AsSpan(0, Math.Min(buffer.Length, page.Length)).CopyTo(page);
        Platform.Memory.Write(CommandPage, page);
    }

    /// <summary>Issues the command in the command page through the mailbox.</summary>
    public PspReturnCode Execute(uint command) => Psp.Mailbox.Execute(command, CommandPage);

    /// <summary>A guest message as the guest seals it under VMPCK0 (AES-GCM from <see cref="AesGcm"/>).</summary>
    public byte[] SealGuestMessage(SnpGuestMessageType type, byte version, byte[] payload, ulong sequence)
    {
        var header = SnpGuestMessageHeader.Create(type, version, sequence, (ushort)payload.Length, 0);
        var page = new byte[SnpGuestMessage.PageSize];
        SnpGuestMessage.WriteUnsealed(page, header, payload.Length);
        var nonce = new byte[12];
        BitConverter.TryWriteBytes(nonce, sequence);
        using var aead = new AesGcm(Vmpck0, 16);
        aead.Encrypt(nonce, payload, page.AsSpan(SnpGuestMessageHeader.Size, payload.Length), page.AsSpan(0, 16), page.AsSpan(48, 48));
        return page;
    }

    public void Dispose() => Platform.Dispose();

    private byte[] ReadSla(ScatterListAddress sla)
    {
        var pages = PagesOf(sla);
        var bytes = new byte[pages.Count * 4096];
        for (var i = 0; i < pages.Count; i++)
        {
            Platform.Memory.Read(pages[i], bytes.AsSpan(i * 4096, 4096));
        }

        return bytes;
    }

    private void WriteSla(ScatterListAddress sla, byte[] bytes)
    {
        var pages = PagesOf(sla);
        for (var i = 0; i < pages.Count; i++)
        {
            Platform.Memory.Write(pages[i], bytes.AsSpan(i * 4096, 4096));
        }
    }

    private List<ulong> PagesOf(ScatterListAddress sla)
    {
        if (sla.PageType == SlaPageType.Data)
        {
            return [sla.PhysicalAddress];
        }

        var scatter = new byte[4096];
        Platform.Memory.Read(sla.PhysicalAddress, scatter);
        return ScatterPage.Decode(scatter).Select(e => e.PhysicalAddress).ToList();
    }

    private static void Require(PspReturnCode status, string what)
    {
        if (status != PspReturnCode.Success)
        {
            throw new InvalidOperationException($"platform fixture: {what} failed with {status}");
        }
    }
}

/// <summary>
/// What <see cref="PlatformFixture.Snapshot"/> records: the firmware and device state as text, the pages covered, their
/// RMP entries, and their contents (in a buffer the fixture reuses: valid until its next snapshot).
/// </summary>
internal sealed record PlatformSnapshot(string State, IReadOnlyList<ulong> Pages, RmpEntry[] Entries, byte[] Memory, long Generation);
