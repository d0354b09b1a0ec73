namespace SevTio.Firmware.DeviceSecurityManager;

/// <summary>A range of configuration space (byte offset, length) whose writes are security relevant.</summary>
public readonly record struct TdiConfigRange(int Offset, int Length)
{
    public bool Overlaps(int offset, int length) => offset < Offset + Length && Offset < offset + length;
}
