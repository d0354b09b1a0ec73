using SevTio.Hw.Pcie;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Platform;

/// <summary>
/// A write transfer the burst level has put on the link: where it goes, how big, its wire bytes, its device-memory
/// offset, its link reservation and issue time, and its T bit. What is left to work out (translations, commit times)
/// depends only on this and the root complex's state, in transfer order.
/// </summary>
internal readonly record struct WritePlan(ulong Address, int Size, long WireBytes, long DeviceOffset, BurstReservation Sent, SimTime Issued, bool Tee);
