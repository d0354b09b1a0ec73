using SevTio.Firmware.Psp;
using SevTio.Firmware.Psp.Mailbox;
using SevTio.Firmware.Spdm;
using SevTio.Hw.Rmp;
using SevTio.Protocols.Doe;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Tsm;
using SevTio.TestSupport;

namespace SevTio.Firmware.Tests.Psp;

/// <summary>
/// A test standing where the host stands, written from the command layouts rather than from the Host layer: it
/// allocates and donates pages (RMPUPDATE to the firmware state), writes command buffers, issues them through the
/// mailbox, relays SPDM_REQUEST objects straight to the device's DSM (DOE framing without the mailbox registers),
/// answers EXPAND_BUFFER_LENGTH_REQUEST, programs the IDE stream registers, and launches guests with SNP commands.
/// </summary>
internal sealed class PspBench : IDisposable
{
    public const byte StreamId = 1;

    private ulong _next = SevTioTestPlatform.HostMemoryBase;

    public PspBench(int seed = 11, SpdmDeviceIdentity? identity = null, byte[]? trustedRoot = null, PspTiming? timing = null)
    {
        Platform = new SevTioTestPlatform(seed, identity, timing, trustedRoot: trustedRoot);
        CommandPage = Page();
        DataPage = FirmwarePage();
        Spdm = NewSpdmBuffers();
    }

    public SevTioTestPlatform Platform { get; }

    public PspFirmware Psp => Platform.Psp;

    public PspMailbox Mailbox => Platform.Psp.Mailbox;

    public TeeIoTestDevice Device => Platform.Device;

    public ulong CommandPage { get; }

    /// <summary>A firmware page for status outputs (Linux's <c>data_pg</c>).</summary>
    public ulong DataPage { get; }

    public SpdmControl Spdm { get; set; }

    public ScatterListAddress DeviceContext { get; private set; }

    /// <summary>Rewrites (or drops, with null) a relayed DOE reply; index = relay count.</summary>
    public Func<int, byte[], byte[]?>? Intercept { get; set; }

    public int Relays { get; private set; }

    public int Expansions { get; private set; }

    public int Issues { get; private set; }

    public ulong Page()
    {
        var page = _next;
        _next += 4096;
        return page;
    }

    public ulong FirmwarePage()
    {
        var page = Page();
        Assert.Equal(RmpStatus.Success, Platform.Rmp.RmpUpdate(page, RmpUpdateState.Firmware()));
        return page;
    }

    /// <summary>A buffer of <paramref name="pages"/> pages: a data SLA, or a scatter page listing them.</summary>
    public ScatterListAddress Buffer(int pages, bool firmware = true)
    {
        var data = Enumerable.Range(0, pages).Select(_ => firmware ? FirmwarePage() : Page()).ToArray();
        if (pages == 1)
        {
            return ScatterListAddress.FromPhysicalAddress(data[0]);
        }

        var list = Page();
        var bytes = new byte[4096];
        ScatterPage.Encode(data.Select(p => ScatterListAddress.FromPhysicalAddress(p)).ToArray(), bytes);
        Platform.Memory.Write(list, bytes);
        if (firmware)
        {
            Assert.Equal(RmpStatus.Success, Platform.Rmp.RmpUpdate(list, RmpUpdateState.Firmware()));
        }

        return ScatterListAddress.Scatter(list >> 12);
    }

    public SpdmControl NewSpdmBuffers(int outputPages = 1) =>
        new(Buffer(1), Buffer(4, firmware: false), Buffer(1), Buffer(outputPages));

    public PspReturnCode Run<T>(T command)
        where T : struct, IPspCommandBuffer<T>
    {
        var bytes = new byte[T.EncodedSize];
        command.Encode(bytes);
        return Issue((uint)T.CommandId, bytes);
    }

    public PspReturnCode Issue(uint command, ReadOnlySpan<byte> buffer)
    {
        Issues++;
        Platform.Memory.Write(CommandPage, buffer);
        return Mailbox.Execute(command, CommandPage);
    }

    public PspReturnCode Snp(SnpCommandId command, ReadOnlySpan<byte> buffer) => Issue((uint)command, buffer);

    /// <summary>Issues a command and runs the continuation loop (relay, expand) until it completes.</summary>
    public PspReturnCode Relayed<T>(Func<SpdmControl, T> build, int maxIssues = 10_000)
        where T : struct, IPspCommandBuffer<T>
    {
        var status = Run(build(Spdm));
        for (var i = 0; i < maxIssues; i++)
        {
            if (status == PspReturnCode.SpdmRequest)
            {
                RelayOnce();
            }
            else if (status == PspReturnCode.ExpandBufferLengthRequest)
            {
                Expansions++;
                var header = SlaBufferHeader.Decode(ReadBuffer(Spdm.Output).AsSpan(0, SlaBufferHeader.Size));
                Spdm = Spdm with { Output = Buffer((int)(header.Capacity / 4096)) };
            }
            else
            {
                return status;
            }

            status = Run(build(Spdm));
        }

        return status;
    }

    /// <summary>Relays the request object in the request buffer to the DSM and writes its reply into the response buffer.</summary>
    public void RelayOnce()
    {
        var request = SlaBuffer.ReadSpdm(ReadBuffer(Spdm.Request), DataObjectId.Request);
        var type = request.DataType == SpdmDataType.SecuredSpdm ? DoeDataObjectType.SecuredSpdm : DoeDataObjectType.Spdm;
        var reply = Device.Responder.Respond(DoeDataObject.Encode(type, request.Message));
        if (Intercept is not null && reply is not null)
        {
            reply = Intercept(Relays, reply);
        }

        Relays++;
        byte[] payload = [];
        if (reply is not null)
        {
            DoeDataObject.Decode(reply, out var p);
            payload = p.ToArray();
        }

        var bytes = new byte[4 * 4096];
        var used = SlaBuffer.WriteSpdmResponse(bytes, request.DataType, payload);
        WriteBuffer(Spdm.Response, bytes.AsSpan(0, used));
    }

    public byte[] ReadBuffer(ScatterListAddress sla)
    {
        var pages = Pages(sla);
        var bytes = new byte[pages.Count * 4096];
        for (var i = 0; i < pages.Count; i++)
        {
            Platform.Memory.Read(pages[i], bytes.AsSpan(i * 4096, 4096));
        }

        return bytes;
    }

    public void WriteBuffer(ScatterListAddress sla, ReadOnlySpan<byte> data)
    {
        var pages = Pages(sla);
        for (var i = 0; i * 4096 < data.Length; i++)
        {
            Platform.Memory.Write(pages[i], data.Slice(i * 4096, Math.Min(4096, data.Length - (i * 4096))));
        }
    }

    public List<ulong> Pages(ScatterListAddress sla)
    {
        if (sla.PageType == SlaPageType.Data)
        {
            return [sla.PhysicalAddress];
        }

        var list = new byte[4096];
        Platform.Memory.Read(sla.PhysicalAddress, list);
        return ScatterPage.Decode(list).Select(e => e.PhysicalAddress).ToList();
    }

    /// <summary>TIO_STATUS then TIO_INIT, as the host does at boot.</summary>
    public void Init()
    {
        Assert.Equal(PspReturnCode.Success, Run(new TioStatusCommand(DataPage)));
        Assert.Equal(PspReturnCode.Success, Run(default(TioInitCommand)));
    }

    /// <summary>Writes the stream's Control and RID association on both ends (Enable clear), as the host does before DEV_CONNECT.</summary>
    public void ConfigureStreams()
    {
        foreach (var (port, teeLimited) in new[] { (Device.RootPort, false), (Device.Ide, true) })
        {
            var cap = port.Capability;
            cap.StreamControl(0).Write(((uint)StreamId << 24) | (1u << 22) | (teeLimited ? 1u << 23 : 0));
            cap.RidAssociation1(0).Write(0xFFFFu << 8);
            cap.RidAssociation2(0).Write(1);
        }
    }

    public void EnableStreams()
    {
        foreach (var port in new[] { Device.RootPort, Device.Ide })
        {
            var control = port.Capability.StreamControl(0);
            control.Write(control.Read() | 1);
        }
    }

    public PspReturnCode CreateDevice(int pages = 2)
    {
        DeviceContext = Buffer(pages);
        return Run(new TioDevCreateCommand(DeviceContext, TeeIoTestDevice.Bdf, TeeIoTestDevice.RootPortId, 0));
    }

    public PspReturnCode Connect(byte tcMask = 1, byte certSlot = 0)
    {
        var ids = IdeStreamIds.AllUnused();
        ids[0] = StreamId;
        return Relayed(control => new TioDevConnectCommand(control, DeviceContext, tcMask, certSlot, ids));
    }

    /// <summary>Init, streams configured, device created and connected, streams enabled.</summary>
    public void Connected()
    {
        Init();
        ConfigureStreams();
        Assert.Equal(PspReturnCode.Success, CreateDevice());
        Assert.True(Connect() == PspReturnCode.Success, Psp.LastDeviceFailure);
        EnableStreams();
    }

    /// <summary>A guest: context page, ASID, and a secrets page at GPA <paramref name="secretsGpa"/>; returns its context address.</summary>
    public TestGuestContext LaunchGuest(int asid, ulong secretsGpa = 0x1000)
    {
        var gctx = FirmwarePage();
        Assert.Equal(PspReturnCode.Success, Snp(SnpCommandId.SnpGctxCreate, Address(gctx)));
        Assert.Equal(PspReturnCode.Success, Snp(SnpCommandId.SnpActivate, Activate(gctx, (uint)asid)));
        var secrets = Page();
        Assert.Equal(RmpStatus.Success, Platform.Rmp.RmpUpdate(secrets, RmpUpdateState.Guest(asid, secretsGpa)));
        Assert.Equal(PspReturnCode.Success, Snp(SnpCommandId.SnpLaunchUpdate, LaunchUpdate(gctx, SnpPageType.Secrets, secrets)));

        // The guest reads its VMPCK0 through its own memory key, as only it can.
        var vmpck = new byte[32];
        Platform.Controller.ReadPrivate(asid, secrets + 0x20, vmpck);
        return new TestGuestContext(gctx, asid, vmpck, secrets);
    }

    public ScatterListAddress CreateTdi(out PspReturnCode status, ushort rid = TeeIoTestDevice.Bdf)
    {
        var tdi = Buffer(1);
        status = Run(new TioTdiCreateCommand(DeviceContext, tdi, TdispInterfaceId.Create(rid)));
        return tdi;
    }

    public PspReturnCode Bind(ScatterListAddress tdi, ulong gctx, ushort guestDeviceId = 0x18, TdispLockFlags flags = TdispLockFlags.NoFirmwareUpdate, TioTdiRunFlags run = TioTdiRunFlags.None) =>
        Relayed(control => new TioTdiBindCommand(control, DeviceContext, tdi, gctx, guestDeviceId, flags, run));

    public PspReturnCode Unbind(ScatterListAddress tdi, ulong gctx, TioTdiUnbindFlags flags = TioTdiUnbindFlags.None) =>
        Relayed(control => new TioTdiUnbindCommand(flags, control, DeviceContext, tdi, gctx));

    /// <summary>RMPUPDATEs the TDI's TEE MMIO pages to the guest at GPA = host address, as the host does on bind.</summary>
    public void AssignMmio(int asid, ulong start, int pages, bool immutable = false)
    {
        for (var i = 0; i < pages; i++)
        {
            var spa = start + ((ulong)i * 4096);
            Assert.Equal(RmpStatus.Success, Platform.Rmp.RmpUpdate(spa, new RmpUpdateState(spa, true, RmpPageSize.Size4K, immutable, asid)));
        }
    }

    public static byte[] Address(ulong address)
    {
        var bytes = new byte[SnpAddressCommand.Size];
        new SnpAddressCommand(address).Encode(bytes);
        return bytes;
    }

    public static byte[] Activate(ulong gctx, uint asid)
    {
        var bytes = new byte[SnpActivateCommand.Size];
        new SnpActivateCommand(gctx, asid).Encode(bytes);
        return bytes;
    }

    public static byte[] LaunchUpdate(ulong gctx, SnpPageType type, ulong address)
    {
        var bytes = new byte[SnpLaunchUpdateCommand.Size];
        new SnpLaunchUpdateCommand(gctx, type, address).Encode(bytes);
        return bytes;
    }

    public void Dispose() => Platform.Dispose();
}

/// <summary>A launched guest as the bench knows it: its context page, ASID, VMPCK0 (read from its secrets page) and that page.</summary>
internal sealed record TestGuestContext(ulong Address, int Asid, byte[] Vmpck0, ulong SecretsPage);
