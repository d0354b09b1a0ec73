namespace SevTio.Hw.Pcie;

/// <summary>
/// Bytes that are not a well-formed TLP (a Malformed TLP, PCIe §2.3.1): names the offending field and the byte
/// offset where it sits, so a log line says exactly what a peer got wrong.
/// </summary>
public sealed class TlpFormatException : Exception
{
    public TlpFormatException(string field, int offset, string reason)
        : base($"malformed TLP: {field} (byte {offset}): {reason}")
    {
        Field = field;
        Offset = offset;
        Reason = reason;
    }

    /// <summary>The spec's name of the field ("Fmt/Type", "Length", "Last DW BE", "IDE prefix P").</summary>
    public string Field { get; }

    /// <summary>Byte offset of the field in the packet as received.</summary>
    public int Offset { get; }

    public string Reason { get; }
}
