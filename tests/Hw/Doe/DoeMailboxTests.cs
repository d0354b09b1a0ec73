using System.Buffers.Binary;
using SevTio.Hw.Doe;
using SevTio.Hw.Pcie;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Tests.Doe;

/// <summary>
/// The DOE mailbox driven through configuration space as PCIe §6.30.2 describes software using it: write the object
/// DW by DW, set Go, poll Status, read and advance once per DW. Objects are built here from the §6.30.1 header layout
/// (DW0 = vendor 15:0, type 23:16; DW1 = length in DW 17:0, 0 meaning 2^18).
/// </summary>
public sealed class DoeMailboxTests
{
    private const int Cap = ConfigSpace.ExtendedCapabilityStart;

    private sealed class EchoResponder : IDoeResponder
    {
        public List<byte[]> Received { get; } = [];

        public IReadOnlyList<DoeProtocol> Protocols { get; set; } = [DoeProtocol.Discovery, DoeProtocol.CmaSpdm, DoeProtocol.SecuredCmaSpdm];

        public Func<byte[], byte[]?> Answer { get; set; } = request => request;

        public byte[]? Respond(ReadOnlySpan<byte> dataObject)
        {
            Received.Add(dataObject.ToArray());
            return Answer(dataObject.ToArray());
        }
    }

    private static (ConfigSpace Config, DoeMailbox Mailbox, EchoResponder Responder) Create(Scheduler? scheduler = null, SimTime latency = default)
    {
        var responder = new EchoResponder();
        var mailbox = new DoeMailbox(responder, scheduler, latency);
        var config = new ConfigSpace(0x1022, 0x0001, 0x120000);
        Assert.Equal(Cap, config.AddExtendedCapability(DoeMailbox.ExtendedCapabilityId, DoeMailbox.CapabilityVersion, mailbox));
        return (config, mailbox, responder);
    }

    private static byte[] Object(byte type, int payloadDw, ushort vendor = 0x0001, uint? lengthField = null)
    {
        var bytes = new byte[(2 + payloadDw) * 4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, vendor | ((uint)type << 16));
        var length = 2 + payloadDw;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), lengthField ?? (length == 1 << 18 ? 0u : (uint)length));
        for (var i = 8; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 7);
        }

        return bytes;
    }

    private static void WriteObject(ConfigSpace config, ReadOnlySpan<byte> dataObject)
    {
        for (var i = 0; i < dataObject.Length; i += 4)
        {
            config.Write(Cap + DoeMailbox.WriteDataMailboxOffset, BinaryPrimitives.ReadUInt32LittleEndian(dataObject[i..]));
        }

        config.Write(Cap + DoeMailbox.ControlOffset, DoeMailbox.ControlGo);
    }

    private static byte[] ReadObject(ConfigSpace config)
    {
        var bytes = new List<byte>();
        Span<byte> dw = stackalloc byte[4];
        while ((config.Read(Cap + DoeMailbox.StatusOffset) & DoeMailbox.StatusDataObjectReady) != 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(dw, config.Read(Cap + DoeMailbox.ReadDataMailboxOffset));
            bytes.AddRange(dw.ToArray());
            config.Write(Cap + DoeMailbox.ReadDataMailboxOffset, 0);
        }

        return [.. bytes];
    }

    private static uint Status(ConfigSpace config) => config.Read(Cap + DoeMailbox.StatusOffset);

    [Fact]
    public void ExtendedCapability_IsFoundByIdWithVersion1()
    {
        var (config, _, _) = Create();

        Assert.Equal(Cap, config.FindExtendedCapability(0x002E));
        Assert.Equal(0x0001_002Eu, config.Read(Cap) & 0xF_FFFF);
    }

    [Fact]
    public void Exchange_ObjectWrittenGoSet_ResponseReadBackDwByDwThenReadyClears()
    {
        var (config, mailbox, responder) = Create();
        var request = Object(0x01, 5);

        WriteObject(config, request);

        Assert.Equal(request, Assert.Single(responder.Received));
        Assert.Equal(DoeMailbox.StatusDataObjectReady, Status(config));
        Assert.Equal(request, ReadObject(config));
        Assert.Equal(0u, Status(config));
        Assert.False(mailbox.DataObjectReady);
    }

    [Fact]
    public void ControlAbortAndGo_ReadAsZero()
    {
        var (config, _, _) = Create();
        WriteObject(config, Object(0x00, 1));
        Assert.Equal(0u, config.Read(Cap + DoeMailbox.ControlOffset));
        Assert.Equal(0u, config.Read(Cap + DoeMailbox.WriteDataMailboxOffset));
    }

    public static TheoryData<string, byte[], DoeMailboxError> MalformedObjects => new()
    {
        { "length 1", Object(0x01, 3, lengthField: 1), DoeMailboxError.LengthOne },
        { "length beyond written", Object(0x01, 3, lengthField: 9), DoeMailboxError.LengthBeyondWritten },
        { "written beyond length", Object(0x01, 3, lengthField: 3), DoeMailboxError.LengthShorterThanWritten },
        { "unknown type", Object(0x07, 1), DoeMailboxError.UnsupportedProtocol },
        { "unknown vendor", Object(0x01, 1, vendor: 0x1022), DoeMailboxError.UnsupportedProtocol },
        { "header only one DW", Object(0x01, 0)[..4], DoeMailboxError.Truncated },
    };

    [Theory]
    [MemberData(nameof(MalformedObjects))]
    public void Go_MalformedObject_SetsErrorAndDropsIt(string what, byte[] dataObject, DoeMailboxError expected)
    {
        var (config, mailbox, responder) = Create();

        WriteObject(config, dataObject);

        Assert.True((Status(config) & DoeMailbox.StatusError) != 0, what);
        Assert.Equal(expected, mailbox.LastError);
        Assert.Empty(responder.Received);
        Assert.Equal(0u, Status(config) & DoeMailbox.StatusDataObjectReady);
    }

    [Fact]
    public void Error_IgnoresWritesAndGoUntilAbort_ThenWorksAgain()
    {
        var (config, mailbox, responder) = Create();
        WriteObject(config, Object(0x01, 2, lengthField: 1));

        WriteObject(config, Object(0x01, 2));
        Assert.Empty(responder.Received);
        Assert.True(mailbox.HasError);

        config.Write(Cap + DoeMailbox.ControlOffset, DoeMailbox.ControlAbort);
        Assert.Equal(0u, Status(config));

        var good = Object(0x02, 2);
        WriteObject(config, good);
        Assert.Equal(good, Assert.Single(responder.Received));
        Assert.Equal(good, ReadObject(config));
    }

    [Fact]
    public void Object_OfOneMebibyte_LengthFieldZero_IsDeliveredAndAnswered()
    {
        var (config, _, responder) = Create();
        var request = Object(0x01, (1 << 18) - 2);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(request.AsSpan(4)));

        WriteObject(config, request);

        Assert.Equal(1 << 20, Assert.Single(responder.Received).Length);
        Assert.Equal(request, ReadObject(config));
    }

    [Fact]
    public void Object_LargerThanOneMebibyte_SetsError()
    {
        var (config, mailbox, responder) = Create();
        var request = Object(0x01, (1 << 18) - 2);

        for (var i = 0; i < request.Length; i += 4)
        {
            config.Write(Cap + DoeMailbox.WriteDataMailboxOffset, BinaryPrimitives.ReadUInt32LittleEndian(request.AsSpan(i)));
        }

        config.Write(Cap + DoeMailbox.WriteDataMailboxOffset, 0x1234);
        config.Write(Cap + DoeMailbox.ControlOffset, DoeMailbox.ControlGo);

        Assert.Equal(DoeMailboxError.Overflow, mailbox.LastError);
        Assert.Empty(responder.Received);
    }

    [Fact]
    public void Responder_Unanswered_BusyClearsAndNoDataObjectReady()
    {
        var (config, mailbox, responder) = Create();
        responder.Answer = _ => null;

        WriteObject(config, Object(0x01, 1));

        Assert.Equal(0u, Status(config));
        Assert.Equal(1, mailbox.ObjectsUnanswered);
        Assert.Equal(0u, config.Read(Cap + DoeMailbox.ReadDataMailboxOffset));
    }

    [Fact]
    public void ResponseLatency_BusyUntilTheResponderFinishes()
    {
        var scheduler = new Scheduler();
        var (config, _, responder) = Create(scheduler, SimTime.FromMicroseconds(5));
        var request = Object(0x01, 1);

        WriteObject(config, request);

        Assert.Equal(DoeMailbox.StatusBusy, Status(config));
        Assert.Empty(responder.Received);
        scheduler.RunUntil(SimTime.FromMicroseconds(4));
        Assert.Equal(DoeMailbox.StatusBusy, Status(config));
        scheduler.RunUntil(SimTime.FromMicroseconds(5));
        Assert.Equal(DoeMailbox.StatusDataObjectReady, Status(config));
        Assert.Equal(request, ReadObject(config));
    }

    [Fact]
    public void Abort_WhileBusy_DropsTheRequestAndTheResponderNeverSeesIt()
    {
        var scheduler = new Scheduler();
        var (config, mailbox, responder) = Create(scheduler, SimTime.FromMicroseconds(5));

        WriteObject(config, Object(0x01, 1));
        config.Write(Cap + DoeMailbox.ControlOffset, DoeMailbox.ControlAbort);
        scheduler.RunUntilIdle();

        Assert.Equal(0u, Status(config));
        Assert.Empty(responder.Received);
        Assert.Equal(1, mailbox.Aborts);
    }

    [Fact]
    public void Abort_WithUnreadResponse_DiscardsIt()
    {
        var (config, _, _) = Create();
        WriteObject(config, Object(0x01, 4));
        config.Read(Cap + DoeMailbox.ReadDataMailboxOffset);
        config.Write(Cap + DoeMailbox.ReadDataMailboxOffset, 0);

        config.Write(Cap + DoeMailbox.ControlOffset, DoeMailbox.ControlAbort);

        Assert.Equal(0u, Status(config));
        Assert.Empty(ReadObject(config));
    }

    [Fact]
    public void Response_NotWholeDws_IsPaddedWithZeros()
    {
        var (config, _, responder) = Create();
        var answer = Object(0x01, 1)[..10];
        responder.Answer = _ => answer;

        WriteObject(config, Object(0x01, 1));

        var read = ReadObject(config);
        Assert.Equal(12, read.Length);
        Assert.Equal(answer, read[..10]);
        Assert.Equal(new byte[2], read[10..]);
    }
}
