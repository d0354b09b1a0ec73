namespace SevTio.Protocols.Ghcb;

/// <summary>An exit request as the guest leaves it in the GHCB: SW_EXITCODE, SW_EXITINFO1, SW_EXITINFO2.</summary>
public readonly record struct GhcbExit(VmgExitCode ExitCode, ulong ExitInfo1, ulong ExitInfo2);
