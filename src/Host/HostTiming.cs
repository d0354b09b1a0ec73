using SevTio.Hw.Simulation;

namespace SevTio.Host;

/// <summary>Simulated costs of the hypervisor's own work (its PSP and guest time is charged by those components).</summary>
public sealed record HostTiming
{
    /// <summary>
    /// One configuration read or write (a CfgRd/CfgWr round trip through the root complex; <c>host.config_access</c>).
    /// Every DOE DW costs one: a transfer's time is the sum of its accesses. Reference: about 1 µs.
    /// </summary>
    public SimTime ConfigAccess { get; init; } = SimTime.FromMicroseconds(1);

    /// <summary>
    /// Wait between DOE Status polls while the response is not ready (Linux <c>PCI_DOE_POLL_INTERVAL</c> =
    /// <c>PCI_DOE_TIMEOUT</c>/128; <c>host.doe_poll_interval</c>).
    /// </summary>
    public SimTime DoePollInterval { get; init; } = SimTime.FromPicoseconds(7_812_500_000);

    /// <summary>Time after Go at which the host gives up on a response and aborts (Linux <c>PCI_DOE_TIMEOUT</c> = 1 s; <c>host.doe_timeout</c>).</summary>
    public SimTime DoeTimeout { get; init; } = SimTime.FromSeconds(1);

    /// <summary>Decoding and dispatching one VMGEXIT in the hypervisor (<c>host.exit_handling</c>). Assumption.</summary>
    public SimTime ExitHandling { get; init; } = SimTime.FromMicroseconds(2);

    /// <summary>One RMPUPDATE executed by the hypervisor (<c>host.rmpupdate</c>). Assumption.</summary>
    public SimTime RmpUpdate { get; init; } = SimTime.FromNanoseconds(500);

    public HostTiming Validate()
    {
        Check(ConfigAccess, "host.config_access");
        Check(DoePollInterval, "host.doe_poll_interval");
        Check(DoeTimeout, "host.doe_timeout");
        Check(ExitHandling, "host.exit_handling");
        Check(RmpUpdate, "host.rmpupdate");
        if (DoePollInterval == SimTime.Zero)
        {
            throw new ParameterException("host.doe_poll_interval", DoePollInterval.ToString(), "must be positive");
        }

        return this;

        static void Check(SimTime value, string key)
        {
            if (value < SimTime.Zero)
            {
                throw new ParameterException(key, value.ToString(), "must not be negative");
            }
        }
    }
}
