namespace SevTio.Hw.Cpu;

/// <summary>
/// The hypervisor's side of VMGEXIT: the guest has written its request into its GHCB (a shared page) and exited; the
/// handler reads the GHCB through host memory, does the work and writes the results back before the guest resumes.
/// </summary>
public interface IVmgExitHandler
{
    void HandleVmgExit(GuestVcpu vcpu);
}
