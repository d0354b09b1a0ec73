namespace SevTio.Hw.Rmp;

/// <summary>A VMPL permission mask (APM vol. 2, table 15-36); bits 7:5 are reserved and must be zero.</summary>
[Flags]
public enum VmplPermissions : byte
{
    None = 0,

    /// <summary>Bit 0: reads allowed.</summary>
    Read = 1 << 0,

    /// <summary>Bit 1: writes allowed (write without read is an illegal combination that faults on any data access).</summary>
    Write = 1 << 1,

    /// <summary>Bit 2: execution at CPL 3.</summary>
    ExecuteUser = 1 << 2,

    /// <summary>Bit 3: execution at CPL &lt; 3.</summary>
    ExecuteSupervisor = 1 << 3,

    /// <summary>Bit 4: supervisor shadow-stack accesses.</summary>
    SupervisorShadowStack = 1 << 4,

    /// <summary>Bits 7:5, reserved (SBZ).</summary>
    ReservedMask = 0xE0,
}
