using System.Globalization;

namespace SevTio.Guest.Pci;

/// <summary>
/// A PCI function's address as the guest names it: segment (domain), bus, device, function — printed the way sysfs
/// does (<c>0000:01:00.0</c>). The routing id (RID) is <c>bus &lt;&lt; 8 | device &lt;&lt; 3 | function</c>.
/// </summary>
public readonly record struct PciAddress
{
    public PciAddress(ushort segment, byte bus, byte device, byte function)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(device, (byte)31);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(function, (byte)7);
        Segment = segment;
        Bus = bus;
        Device = device;
        Function = function;
    }

    public ushort Segment { get; }

    public byte Bus { get; }

    public byte Device { get; }

    public byte Function { get; }

    /// <summary>The 16-bit routing id (Linux <c>pci_dev_id</c>): what the seed passes as guest_rid and guest_device_id.</summary>
    public ushort RequesterId => (ushort)((Bus << 8) | (Device << 3) | Function);

    public static PciAddress FromRequesterId(ushort requesterId, ushort segment = 0) =>
        new(segment, (byte)(requesterId >> 8), (byte)((requesterId >> 3) & 0x1F), (byte)(requesterId & 7));

    /// <summary>Parses <c>DDDD:BB:DD.F</c> (hex; the segment may be omitted), as sysfs and <c>lspci -D</c> print it.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out PciAddress address)
    {
        address = default;
        text = text.Trim();
        var dot = text.LastIndexOf('.');
        if (dot < 0)
        {
            return false;
        }

        var head = text[..dot];
        var parts = new Range[4];
        var count = head.Split(parts, ':');
        if (count is < 2 or > 3)
        {
            return false;
        }

        ushort segment = 0;
        var next = 0;
        if (count == 3 && !ushort.TryParse(head[parts[next++]], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out segment))
        {
            return false;
        }

        if (!byte.TryParse(head[parts[next++]], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var bus) ||
            !byte.TryParse(head[parts[next]], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var device) ||
            !byte.TryParse(text[(dot + 1)..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var function) ||
            device > 31 || function > 7)
        {
            return false;
        }

        address = new PciAddress(segment, bus, device, function);
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Segment:x4}:{Bus:x2}:{Device:x2}.{Function:x}");
}
