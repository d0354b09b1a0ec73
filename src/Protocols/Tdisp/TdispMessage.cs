using System.Diagnostics;
using SevTio.Protocols.Tsm;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tdisp;

/// <summary>
/// Base of every TDISP message: the 16-byte header and a type-specific payload (PCIe §11.3). Encodings start at the
/// TDISPVersion byte; the Protocol ID (0x01) belongs to the PCI-SIG vendor-defined envelope.
/// </summary>
public abstract class TdispMessage
{
    protected TdispMessage(TdispInterfaceId interfaceId, byte version)
    {
        InterfaceId = interfaceId;
        Version = version;
    }

    public byte Version { get; }

    public TdispInterfaceId InterfaceId { get; }

    public abstract TdispMessageType MessageType { get; }

    public TdispHeader Header => new(Version, MessageType, InterfaceId);

    protected abstract int PayloadLength { get; }

    public int EncodedLength => TdispHeader.Size + PayloadLength;

    protected abstract void WritePayload(ref WireWriter writer);

    public void Write(ref WireWriter writer)
    {
        Header.Write(ref writer);
        WritePayload(ref writer);
    }

    public byte[] Encode()
    {
        var bytes = new byte[EncodedLength];
        var writer = new WireWriter(bytes);
        Write(ref writer);
        Debug.Assert(writer.Position == bytes.Length, "EncodedLength disagrees with Write");
        return bytes;
    }

    /// <summary>Name used in format errors, e.g. <c>TDISP.LOCK_INTERFACE_REQUEST</c>.</summary>
    public static string NameOf(TdispMessageType type) => type switch
    {
        TdispMessageType.TdispVersion => "TDISP.TDISP_VERSION",
        TdispMessageType.TdispCapabilities => "TDISP.TDISP_CAPABILITIES",
        TdispMessageType.LockInterfaceResponse => "TDISP.LOCK_INTERFACE_RESPONSE",
        TdispMessageType.DeviceInterfaceReport => "TDISP.DEVICE_INTERFACE_REPORT_RESPONSE",
        TdispMessageType.DeviceInterfaceState => "TDISP.DEVICE_INTERFACE_STATE",
        TdispMessageType.StartInterfaceResponse => "TDISP.START_INTERFACE_RESPONSE",
        TdispMessageType.StopInterfaceResponse => "TDISP.STOP_INTERFACE_RESPONSE",
        TdispMessageType.BindP2pStreamResponse => "TDISP.BIND_P2P_STREAM_RESPONSE",
        TdispMessageType.UnbindP2pStreamResponse => "TDISP.UNBIND_P2P_STREAM_RESPONSE",
        TdispMessageType.SetMmioAttributeResponse => "TDISP.SET_MMIO_ATTRIBUTE_RESPONSE",
        TdispMessageType.VdmResponse => "TDISP.VDM_RESPONSE",
        TdispMessageType.SetTdispConfigResponse => "TDISP.SET_TDISP_CONFIG_RESPONSE",
        TdispMessageType.TdispError => "TDISP.TDISP_ERROR",
        TdispMessageType.GetTdispVersion => "TDISP.GET_TDISP_VERSION",
        TdispMessageType.GetTdispCapabilities => "TDISP.GET_TDISP_CAPABILITIES",
        TdispMessageType.LockInterfaceRequest => "TDISP.LOCK_INTERFACE_REQUEST",
        TdispMessageType.GetDeviceInterfaceReport => "TDISP.GET_DEVICE_INTERFACE_REPORT",
        TdispMessageType.GetDeviceInterfaceState => "TDISP.GET_DEVICE_INTERFACE_STATE",
        TdispMessageType.StartInterfaceRequest => "TDISP.START_INTERFACE_REQUEST",
        TdispMessageType.StopInterfaceRequest => "TDISP.STOP_INTERFACE_REQUEST",
        TdispMessageType.BindP2pStreamRequest => "TDISP.BIND_P2P_STREAM_REQUEST",
        TdispMessageType.UnbindP2pStreamRequest => "TDISP.UNBIND_P2P_STREAM_REQUEST",
        TdispMessageType.SetMmioAttributeRequest => "TDISP.SET_MMIO_ATTRIBUTE_REQUEST",
        TdispMessageType.VdmRequest => "TDISP.VDM_REQUEST",
        TdispMessageType.SetTdispConfigRequest => "TDISP.SET_TDISP_CONFIG_REQUEST",
        _ => "TDISP",
    };

    /// <summary>
    /// Decodes any TDISP message by its MessageType; each has exactly its defined size. An unknown type is a format
    /// error (a responder peeks at the header first so it can answer UNSUPPORTED_REQUEST instead).
    /// </summary>
    public static TdispMessage Decode(ReadOnlySpan<byte> message)
    {
        var header = TdispHeader.Peek(message);
        var reader = new WireReader(message, NameOf(header.MessageType));
        TdispHeader.Read(ref reader);
        var id = header.InterfaceId;
        var v = header.Version;
        TdispMessage result = header.MessageType switch
        {
            TdispMessageType.GetTdispVersion
                or TdispMessageType.GetDeviceInterfaceState
                or TdispMessageType.StopInterfaceRequest
                or TdispMessageType.StartInterfaceResponse
                or TdispMessageType.StopInterfaceResponse
                or TdispMessageType.BindP2pStreamResponse
                or TdispMessageType.UnbindP2pStreamResponse
                or TdispMessageType.SetMmioAttributeResponse
                or TdispMessageType.SetTdispConfigResponse => new TdispHeaderOnlyMessage(header.MessageType, id, v),
            TdispMessageType.TdispVersion => TdispVersionResponse.ReadPayload(ref reader, id, v),
            TdispMessageType.GetTdispCapabilities => TdispGetCapabilities.ReadPayload(ref reader, id, v),
            TdispMessageType.TdispCapabilities => TdispCapabilitiesResponse.ReadPayload(ref reader, id, v),
            TdispMessageType.LockInterfaceRequest => TdispLockInterfaceRequest.ReadPayload(ref reader, id, v),
            TdispMessageType.LockInterfaceResponse => new TdispNonceMessage(header.MessageType, id, reader.ReadBytes(TdispNonceMessage.NonceSize, "START_INTERFACE_NONCE").ToArray(), v),
            TdispMessageType.StartInterfaceRequest => new TdispNonceMessage(header.MessageType, id, reader.ReadBytes(TdispNonceMessage.NonceSize, "START_INTERFACE_NONCE").ToArray(), v),
            TdispMessageType.GetDeviceInterfaceReport => TdispGetDeviceInterfaceReport.ReadPayload(ref reader, id, v),
            TdispMessageType.DeviceInterfaceReport => TdispDeviceInterfaceReportResponse.ReadPayload(ref reader, id, v),
            TdispMessageType.DeviceInterfaceState => TdispDeviceInterfaceStateResponse.ReadPayload(ref reader, id, v),
            TdispMessageType.BindP2pStreamRequest or TdispMessageType.UnbindP2pStreamRequest =>
                new TdispP2pStreamRequest(header.MessageType, id, reader.ReadByte("P2P_STREAM_ID"), v),
            TdispMessageType.SetMmioAttributeRequest => new TdispSetMmioAttributeRequest(id, TdispMmioRange.Read(ref reader), v),
            TdispMessageType.VdmRequest or TdispMessageType.VdmResponse => TdispVdmMessage.ReadPayload(ref reader, header.MessageType, id, v),
            TdispMessageType.SetTdispConfigRequest => new TdispSetTdispConfigRequest(id, reader.ReadUInt32("DSM_CONFIG"), v),
            TdispMessageType.TdispError => TdispErrorResponse.ReadPayload(ref reader, id, v),
            _ => throw new ProtocolFormatException("TDISP.MessageType", $"0x{(byte)header.MessageType:X2} is not a TDISP message"),
        };
        reader.ExpectEnd();
        return result;
    }

    /// <summary>Decodes and checks the concrete type (a requester expecting one response).</summary>
    public static T Decode<T>(ReadOnlySpan<byte> message)
        where T : TdispMessage
    {
        var decoded = Decode(message);
        return decoded as T
            ?? throw new ProtocolFormatException("TDISP.MessageType", $"{decoded.MessageType} is not a {typeof(T).Name}");
    }
}
