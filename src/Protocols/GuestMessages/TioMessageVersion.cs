namespace SevTio.Protocols.GuestMessages;

/// <summary>
/// <c>msg_version</c> of the TIO guest messages. V1 (seed) starts each payload with a u16 <c>guest_device_id</c>
/// (the guest's 16-bit BDF); V2 (later AMD snapshots) with the firmware's u64 <c>tdi_id</c>. Sizes are the same.
/// </summary>
public enum TioMessageVersion : byte
{
    V1 = 1,
    V2 = 2,
}
