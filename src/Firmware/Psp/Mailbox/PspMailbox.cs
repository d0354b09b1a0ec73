using System.Diagnostics;
using SevTio.Hw.Registers;
using SevTio.Protocols.Psp;

namespace SevTio.Firmware.Psp.Mailbox;

/// <summary>
/// The PSP's command mailbox as the host driver sees it (Linux drivers/crypto/ccp/sev-dev.c <c>__sev_do_cmd_locked</c>):
/// the host writes the physical address of a command buffer into CMDBUFF_ADDR_LO/HI, then the command id into
/// CMDRESP bits 26:16; the PSP runs the command and sets CMDRESP bit 31 (response) with the status in bits 15:0.
/// This is the only part of the firmware a host may reference: it carries command ids and addresses in, status codes
/// and notifications out, never a key.
/// </summary>
/// <remarks>
/// The PSP runs synchronously inside the CMDRESP write and charges its simulated time on the shared scheduler
/// (loosely timed), so the host sees the response as soon as its write returns.
/// </remarks>
public sealed class PspMailbox : RegisterBlock
{
    public const int CommandResponseOffset = 0x00;
    public const int BufferAddressLowOffset = 0x04;
    public const int BufferAddressHighOffset = 0x08;

    public const int CommandShift = 16;
    public const uint CommandMask = 0x07FF_0000;
    public const uint ResponseBit = 1u << 31;
    public const uint StatusMask = 0xFFFF;

    private readonly IPspCommandProcessor _processor;
    private readonly Register32 _commandResponse;
    private readonly Register32 _addressLow;
    private readonly Register32 _addressHigh;

    internal PspMailbox(IPspCommandProcessor processor)
        : base("PSP_MBOX", 0x0C)
    {
        _processor = processor;
        _commandResponse = Define(CommandResponseOffset, "CMDRESP", "Command / Response")
            .WithField(0, 16, FieldAccess.ReadOnly, "STATUS", "Command Status")
            .WithField(16, 11, FieldAccess.ReadWrite, "CMD", "Command Id")
            .WithReserved(27, 4)
            .WithFlag(31, FieldAccess.ReadOnly, "RESP", "Response Ready");
        _commandResponse.Written = OnCommandWritten;
        _addressLow = Define(BufferAddressLowOffset, "CMDBUFF_ADDR_LO", "Command Buffer Address [31:0]")
            .WithField(0, 32, FieldAccess.ReadWrite, "ADDR", "Address");
        _addressHigh = Define(BufferAddressHighOffset, "CMDBUFF_ADDR_HI", "Command Buffer Address [63:32]")
            .WithField(0, 32, FieldAccess.ReadWrite, "ADDR", "Address");
    }

    /// <summary>
    /// Telemetry only (the analogue of a traceparent header): after SPDM_REQUEST, the trace context of the PSP span
    /// waiting for the response the host is to relay, so the host's relay and the DOE exchange nest under it; default
    /// otherwise. Carries no secret and changes no behaviour.
    /// </summary>
    public ActivityContext RelayContext { get; internal set; }

    /// <summary>Commands run so far.</summary>
    public long CommandsExecuted { get; private set; }

    /// <summary>
    /// Asynchronous notices from the PSP (the mailbox interrupt): an IDE stream of a connected device needs its keys
    /// refreshed (TIO_ROLL_KEY), or went Insecure. Raised from whatever simulated activity caused them; a host should
    /// queue its reaction rather than issue commands from inside the handler.
    /// </summary>
    public event Action<PspNotification>? Notification;

    /// <summary>
    /// Issues one command as the host driver does (address registers, then CMDRESP) and returns the status.
    /// </summary>
    public PspReturnCode Execute(uint command, ulong commandBufferAddress)
    {
        Write(BufferAddressLowOffset, (uint)commandBufferAddress);
        Write(BufferAddressHighOffset, (uint)(commandBufferAddress >> 32));
        Write(CommandResponseOffset, (command << CommandShift) & CommandMask);
        var response = Read(CommandResponseOffset);
        return (PspReturnCode)(response & StatusMask);
    }

    /// <summary>Issues a SEV-TIO command.</summary>
    public PspReturnCode Execute(PspCommandId command, ulong commandBufferAddress) => Execute((uint)command, commandBufferAddress);

    /// <summary>Issues one of the SNP commands the model implements.</summary>
    public PspReturnCode Execute(SnpCommandId command, ulong commandBufferAddress) => Execute((uint)command, commandBufferAddress);

    internal void Notify(PspNotification notification) => Notification?.Invoke(notification);

    private void OnCommandWritten(Register32 register, uint before, uint after)
    {
        var command = (after & CommandMask) >> CommandShift;
        var address = ((ulong)_addressHigh.StoredValue << 32) | _addressLow.StoredValue;
        register.StoredValue &= ~(ResponseBit | StatusMask);
        CommandsExecuted++;
        var status = _processor.Execute(command, address);
        register.StoredValue = (register.StoredValue & CommandMask) | (status & StatusMask) | ResponseBit;
    }
}
