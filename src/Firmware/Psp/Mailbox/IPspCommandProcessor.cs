namespace SevTio.Firmware.Psp.Mailbox;

/// <summary>The firmware behind the mailbox: runs one command and returns its status (the low 16 bits of CMDRESP).</summary>
internal interface IPspCommandProcessor
{
    uint Execute(uint command, ulong commandBufferAddress);
}
