using System.Buffers.Binary;
using System.Diagnostics;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Psp;

/// <summary>
/// Helpers for SEV-TIO command buffers in general: the size of each command's buffer (Linux
/// <c>sev_tio_cmd_buffer_len</c>), the length field, and the host's saved-command image.
/// </summary>
public static class PspCommandBuffer
{
    /// <summary>
    /// Largest command buffer the host saves for SPDM continuation (<c>SEV_TIO_MAX_COMMAND_LENGTH</c>). When the PSP
    /// answers SPDM_REQUEST, the host copies the buffer into a 128-byte image padded with 0xFF and re-issues from it
    /// until the command completes; decoders read only <c>length</c> bytes, so the padding never reaches a field.
    /// </summary>
    public const int SavedCommandLength = 128;

    /// <summary>Byte the saved-command image is padded with.</summary>
    public const byte SavedCommandPadding = 0xFF;

    /// <summary>Buffer size of a command, or 0 for an id that is not a SEV-TIO command.</summary>
    public static int SizeOf(PspCommandId command) => command switch
    {
        PspCommandId.TioStatus => TioStatusCommand.Size,
        PspCommandId.TioInit => TioInitCommand.Size,
        PspCommandId.TioDevCreate => TioDevCreateCommand.Size,
        PspCommandId.TioDevReclaim => TioDevReclaimCommand.Size,
        PspCommandId.TioDevConnect => TioDevConnectCommand.Size,
        PspCommandId.TioDevDisconnect => TioDevDisconnectCommand.Size,
        PspCommandId.TioDevStatus => TioDevStatusCommand.Size,
        PspCommandId.TioDevMeasurements => TioDevMeasurementsCommand.Size,
        PspCommandId.TioDevCertificates => TioDevCertificatesCommand.Size,
        PspCommandId.TioTdiCreate => TioTdiCreateCommand.Size,
        PspCommandId.TioTdiReclaim => TioTdiReclaimCommand.Size,
        PspCommandId.TioTdiBind => TioTdiBindCommand.Size,
        PspCommandId.TioTdiUnbind => TioTdiUnbindCommand.Size,
        PspCommandId.TioTdiReport => TioTdiReportCommand.Size,
        PspCommandId.TioTdiStatus => TioTdiStatusCommand.Size,
        PspCommandId.TioGuestRequest => TioGuestRequestCommand.Size,
        PspCommandId.TioAsidFenceClear => TioAsidFenceClearCommand.Size,
        PspCommandId.TioAsidFenceStatus => TioAsidFenceStatusCommand.Size,
        PspCommandId.TioTdiInfo => TioTdiInfoCommand.Size,
        PspCommandId.TioRollKey => TioRollKeyCommand.Size,
        _ => 0,
    };

    /// <summary>True if the command carries an <see cref="SpdmControl"/> and may therefore answer SPDM_REQUEST.</summary>
    public static bool UsesSpdm(PspCommandId command) => command is
        PspCommandId.TioDevConnect or PspCommandId.TioDevDisconnect or PspCommandId.TioDevMeasurements or
        PspCommandId.TioDevCertificates or PspCommandId.TioTdiBind or PspCommandId.TioTdiUnbind or
        PspCommandId.TioTdiReport or PspCommandId.TioTdiStatus or PspCommandId.TioGuestRequest or
        PspCommandId.TioRollKey;

    /// <summary>The buffer's <c>length</c> field (the first u32), for a mailbox that must know how much to read.</summary>
    public static uint ReadLength(ReadOnlySpan<byte> source)
    {
        var reader = new WireReader(source, "PSP.COMMAND");
        return reader.ReadUInt32("length");
    }

    /// <summary>
    /// Builds the host's saved-command image (sev-dev-tio.c <c>sev_tio_do_cmd</c>): the buffer, whose length field
    /// must equal its size and be at most 128, followed by 0xFF up to 128 bytes.
    /// </summary>
    public static void SaveCommand(ReadOnlySpan<byte> command, Span<byte> image)
    {
        if (image.Length != SavedCommandLength)
        {
            throw new ArgumentException($"the saved-command image is {SavedCommandLength} bytes", nameof(image));
        }

        if (command.Length is < 4 or > SavedCommandLength || BinaryPrimitives.ReadUInt32LittleEndian(command) != (uint)command.Length)
        {
            throw new ArgumentException("a command buffer of 4..128 bytes whose length field equals its size", nameof(command));
        }

        command.CopyTo(image);
        image[command.Length..].Fill(SavedCommandPadding);
    }

    internal static WireWriter BeginEncode(Span<byte> destination, int size)
    {
        WireChecks.RequireDestination(destination, size);
        var writer = new WireWriter(destination[..size]);
        writer.WriteUInt32((uint)size);
        return writer;
    }

    internal static int EndEncode(ref WireWriter writer, int size)
    {
        Debug.Assert(writer.Position == size, $"encoded {writer.Position} bytes of a {size}-byte buffer");
        return size;
    }

    internal static WireReader BeginDecode(ReadOnlySpan<byte> source, string message, int size)
    {
        var reader = new WireReader(source, message);
        WireChecks.ReadLength(ref reader, size);
        return reader;
    }
}
