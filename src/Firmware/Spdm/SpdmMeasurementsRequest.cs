using System.Security.Cryptography;
using SevTio.Protocols.Spdm;

namespace SevTio.Firmware.Spdm;

/// <summary>
/// GET_MEASUREMENTS with a signature inside the session, and its check: the MEASUREMENTS signature must verify under
/// the leaf key over L1 = VCA ‖ GET_MEASUREMENTS ‖ MEASUREMENTS-without-signature, and the nonce and blocks must be
/// as asked. Results are the blocks, the whole response and L1 (the measurement transcript the PSP can output).
/// </summary>
public sealed class SpdmMeasurementsRequest : SpdmSessionFlow
{
    private readonly SpdmRequester _connection;
    private readonly byte[] _nonce;
    private readonly byte _operation;
    private readonly bool _raw;
    private bool _done;

    internal SpdmMeasurementsRequest(SpdmRequester connection, SpdmSession session, byte[] nonce, byte operation, bool rawBitStream)
        : base(session)
    {
        ArgumentNullException.ThrowIfNull(nonce);
        if (nonce.Length != SpdmGetMeasurements.NonceSize)
        {
            throw new ArgumentException("the nonce is 32 bytes", nameof(nonce));
        }

        if (operation == SpdmGetMeasurements.OperationTotalCount)
        {
            throw new ArgumentException("ask for one index or all (0xFF); the count carries no blocks", nameof(operation));
        }

        _connection = connection;
        _nonce = nonce.ToArray();
        _operation = operation;
        _raw = rawBitStream;
    }

    public IReadOnlyList<SpdmMeasurementBlock> Blocks { get; private set; } = [];

    /// <summary>The MEASUREMENTS response as received (with its signature).</summary>
    public byte[]? Response { get; private set; }

    /// <summary>L1: the bytes the signature covers (before hashing).</summary>
    public byte[]? SignedTranscript { get; private set; }

    protected override bool HasWork => !_done;

    protected override byte[] BuildNextRequest()
    {
        var attributes = SpdmMeasurementRequestAttributes.GenerateSignature
            | (_raw ? SpdmMeasurementRequestAttributes.RawBitStreamRequested : 0);
        return new SpdmGetMeasurements(attributes, _operation, _nonce, 0).Encode();
    }

    protected override void HandleResponse(byte[] message)
    {
        _done = true;
        if ((SpdmRequestResponseCode)message[1] != SpdmRequestResponseCode.Measurements)
        {
            Fail(SpdmFailureReason.UnexpectedResponse, $"{(SpdmRequestResponseCode)message[1]} to GET_MEASUREMENTS");
            return;
        }

        var response = SpdmMeasurements.Decode(message, SpdmSignature.Size);
        var l1 = (byte[])[.. _connection.Vca, .. PendingMessage, .. message.AsSpan(0, response.UnsignedLength)];
        if (!SpdmSignature.Verify(_connection.LeafKey!, SpdmSigningContext.MeasurementsContext, SHA384.HashData(l1), response.Signature))
        {
            Fail(SpdmFailureReason.SignatureInvalid, "MEASUREMENTS signature does not verify under the leaf key");
            return;
        }

        if (_operation != SpdmGetMeasurements.OperationAll && (response.Blocks.Count != 1 || response.Blocks[0].Index != _operation))
        {
            Fail(SpdmFailureReason.UnexpectedResponse, $"asked for measurement index {_operation}, got {response.Blocks.Count} blocks");
            return;
        }

        Blocks = response.Blocks;
        Response = message;
        SignedTranscript = l1;
    }
}
