namespace SevTio.Protocols.Wire;

/// <summary>
/// A message from a peer that does not parse: names the protocol field at fault, so a log (or a fuzzer's report)
/// says "TDISP.INTERFACE_ID: ..." rather than an index error from deep inside a decoder.
/// Every parser of peer input throws this and nothing else.
/// </summary>
public sealed class ProtocolFormatException : Exception
{
    public ProtocolFormatException(string field, string reason)
        : base($"{field}: {reason}")
    {
        Field = field;
        Reason = reason;
    }

    /// <summary>The field, dotted with its message, e.g. <c>SPDM.KEY_EXCHANGE.ExchangeData</c>.</summary>
    public string Field { get; }

    public string Reason { get; }
}
