using SevTio.Protocols.Doe;

namespace SevTio.Firmware.Spdm;

/// <summary>
/// One message for the DOE mailbox: its data-object type (1 = plain SPDM, 2 = secured SPDM) and the payload without
/// the DOE header. The PSP hands this to the host ("SPDM_REQUEST", data_type 1 or 2); the host wraps it in a DOE
/// object, relays it and writes back the response payload.
/// </summary>
public readonly record struct SpdmTransportMessage(DoeDataObjectType Type, byte[] Payload);
