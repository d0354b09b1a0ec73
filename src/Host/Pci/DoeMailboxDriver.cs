using System.Buffers.Binary;
using SevTio.Hw.Doe;
using SevTio.Hw.Simulation;
using SevTio.Protocols.Doe;
using SevTio.Protocols.Wire;

namespace SevTio.Host.Pci;

/// <summary>
/// The host's DOE driver for one mailbox, following Linux drivers/pci/doe.c: refuse while Busy, write the object DW by
/// DW, set Go, poll Status (Error aborts; no Data Object Ready yet waits <see cref="HostTiming.DoePollInterval"/>; past
/// <see cref="HostTiming.DoeTimeout"/> aborts), then read each DW and write the Read Data Mailbox to advance. Every one
/// of those is a configuration access with its own cost, so a transfer's time is the sum of its accesses plus any
/// polling wait.
/// </summary>
public sealed class DoeMailboxDriver
{
    private readonly PciConfigAccessor _config;
    private readonly Scheduler _scheduler;
    private readonly HostTiming _timing;

    public DoeMailboxDriver(PciConfigAccessor config, Scheduler scheduler, HostTiming timing, ushort bdf, int capabilityOffset, byte segment = 0)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(timing);
        _config = config;
        _scheduler = scheduler;
        _timing = timing;
        Bdf = bdf;
        Segment = segment;
        CapabilityOffset = capabilityOffset;
    }

    public ushort Bdf { get; }

    public byte Segment { get; }

    public int CapabilityOffset { get; }

    public long Exchanges { get; private set; }

    public long DwWritten { get; private set; }

    public long DwRead { get; private set; }

    public long TimedOut { get; private set; }

    public long Errors { get; private set; }

    /// <summary>The driver for the function's first DOE mailbox, or null when it has none.</summary>
    public static DoeMailboxDriver? Find(PciConfigAccessor config, Scheduler scheduler, HostTiming timing, ushort bdf, byte segment = 0)
    {
        var offset = config.FindExtendedCapability(bdf, DoeMailbox.ExtendedCapabilityId, segment);
        return offset < 0 ? null : new DoeMailboxDriver(config, scheduler, timing, bdf, offset, segment);
    }

    /// <summary>Sends one data object (header included, whole DWs) and reads the response.</summary>
    public DoeExchangeStatus Exchange(ReadOnlySpan<byte> request, out byte[]? response)
    {
        Exchanges++;
        response = null;
        if ((request.Length & 3) != 0 || request.Length < 8)
        {
            throw new ArgumentException("a DOE object is a whole number of DWs, at least the 2-DW header", nameof(request));
        }

        var status = ReadStatus();
        if ((status & DoeMailbox.StatusError) != 0)
        {
            Abort();
        }
        else if ((status & DoeMailbox.StatusBusy) != 0)
        {
            return DoeExchangeStatus.Busy;
        }

        for (var i = 0; i < request.Length; i += 4)
        {
            Write(DoeMailbox.WriteDataMailboxOffset, BinaryPrimitives.ReadUInt32LittleEndian(request[i..]));
            DwWritten++;
        }

        Write(DoeMailbox.ControlOffset, DoeMailbox.ControlGo);
        var deadline = _scheduler.Now + _timing.DoeTimeout;
        while (true)
        {
            status = ReadStatus();
            if ((status & DoeMailbox.StatusError) != 0)
            {
                Errors++;
                Abort();
                return DoeExchangeStatus.Error;
            }

            if ((status & DoeMailbox.StatusDataObjectReady) != 0)
            {
                break;
            }

            if (_scheduler.Now >= deadline)
            {
                TimedOut++;
                Abort();
                return DoeExchangeStatus.TimedOut;
            }

            _scheduler.Advance(_timing.DoePollInterval);
        }

        response = ReadObject();
        return DoeExchangeStatus.Completed;
    }

    /// <summary>
    /// DOE Discovery (§6.30.1.1): the (vendor, type) pairs the mailbox answers, asked index by index until the next
    /// index is 0.
    /// </summary>
    public IReadOnlyList<(ushort VendorId, DoeDataObjectType Type)> Discover()
    {
        var protocols = new List<(ushort, DoeDataObjectType)>();
        byte index = 0;
        do
        {
            var request = DoeDataObject.Encode(DoeDataObjectType.Discovery, new DoeDiscoveryRequest(index).Encode());
            if (Exchange(request, out var response) != DoeExchangeStatus.Completed)
            {
                break;
            }

            try
            {
                DoeDataObject.Decode(response!, out var payload);
                var answer = DoeDiscoveryResponse.Decode(payload);
                protocols.Add((answer.VendorId, answer.DataObjectType));
                if (answer.NextIndex <= index)
                {
                    break;
                }

                index = answer.NextIndex;
            }
            catch (ProtocolFormatException)
            {
                break;
            }
        }
        while (index != 0);

        return protocols;
    }

    private byte[] ReadObject()
    {
        var header0 = ReadDw();
        var header1 = ReadDw();
        var lengthField = (int)(header1 & (DoeMailbox.MaxObjectDw - 1));
        var length = lengthField == 0 ? DoeMailbox.MaxObjectDw : Math.Max(lengthField, 2);
        var bytes = new byte[length * 4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, header0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), header1);
        for (var i = 2; i < length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), ReadDw());
        }

        // Linux reads Status once more after the object: an Error raised meanwhile fails the exchange.
        if ((ReadStatus() & DoeMailbox.StatusError) != 0)
        {
            Errors++;
            Abort();
        }

        return bytes;
    }

    private uint ReadDw()
    {
        var value = _config.Read(Bdf, CapabilityOffset + DoeMailbox.ReadDataMailboxOffset, Segment);
        Write(DoeMailbox.ReadDataMailboxOffset, 0);
        DwRead++;
        return value;
    }

    private void Abort() => Write(DoeMailbox.ControlOffset, DoeMailbox.ControlAbort);

    private uint ReadStatus() => _config.Read(Bdf, CapabilityOffset + DoeMailbox.StatusOffset, Segment);

    private void Write(int register, uint value) => _config.Write(Bdf, CapabilityOffset + register, value, 0xF, Segment);
}
