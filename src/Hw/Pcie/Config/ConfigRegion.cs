namespace SevTio.Hw.Pcie;

/// <summary>Which part of configuration space a write landed in, so observers can filter cheaply.</summary>
public enum ConfigRegion : byte
{
    /// <summary>Type-0 header registers other than Command and the BARs.</summary>
    Header,

    /// <summary>The Command register (Memory Space Enable, Bus Master Enable, ...) or the Status register beside it.</summary>
    Command,

    /// <summary>A Base Address Register.</summary>
    Bar,

    /// <summary>A capability in the legacy list (0x40-0xFF).</summary>
    Capability,

    /// <summary>An extended capability (0x100-0xFFF).</summary>
    ExtendedCapability,

    /// <summary>An offset nothing is mapped at.</summary>
    Unmapped,
}
