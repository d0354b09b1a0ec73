namespace SevTio.Cli.Running;

/// <summary>
/// A step of the trust flow or of the workload's set-up was refused (a sysfs write answered an errno, a PSP command
/// failed, the device could not be primed): the run cannot go on, and <c>sevtio</c> exits 1 (a check failed).
/// </summary>
public sealed class FlowCheckException(string message) : Exception(message);
