using SevTio.Hw.Simulation;

namespace SevTio.Guest.Cpu;

/// <summary>
/// Simulated cost of the guest kernel's own CPU work: the SWIOTLB bounce copy, page-state conversion (PVALIDATE,
/// cache and TLB flushes), sealing and opening SNP guest messages, and hashing evidence. World switches and the
/// hypervisor's work are charged by the vCPU and the host; this record covers what the guest CPU does between exits.
/// </summary>
/// <remarks>
/// Sources: the copy bandwidth is the single-core <c>memcpy</c> measured on the project VM (performance-anchors.md
/// row 29: 19–20 GB/s); AES-GCM is the AES-NI-only OpenSSL figure (row 23: ≈5 GB/s); SHA-384 is <c>openssl speed
/// sha512</c> at 16 KiB on the project VM (0.58 GB/s). The per-page PVALIDATE, flush and SWIOTLB slot-search costs are
/// assumptions (AMD publishes no cycle counts); each is a parameter. The BUSY retry delay and limit are Linux's
/// <c>SNP_REQ_RETRY_DELAY</c> (2 s) and <c>SNP_REQ_MAX_RETRY_DURATION</c> (60 s).
/// </remarks>
public sealed record GuestCpuTiming
{
    /// <summary>CPU copy bandwidth of a bounce (<c>guest.copy_bandwidth</c>).</summary>
    public Bandwidth CopyBandwidth { get; init; } = new(20e9);

    /// <summary>Fixed cost of one copy call: call overhead, first-line misses (<c>guest.copy_setup</c>) [assumption].</summary>
    public SimTime CopySetup { get; init; } = SimTime.FromNanoseconds(50);

    /// <summary>SWIOTLB slot search or release under the area lock, per map and per unmap (<c>guest.swiotlb_slot_cost</c>) [assumption].</summary>
    public SimTime SwiotlbSlotCost { get; init; } = SimTime.FromNanoseconds(100);

    /// <summary>One PVALIDATE of a 4 KiB page, including its TLB invalidation (<c>guest.pvalidate_cost</c>) [assumption].</summary>
    public SimTime PvalidateCost { get; init; } = SimTime.FromNanoseconds(1_000);

    /// <summary>Flushing one 4 KiB page from the caches before its C-bit changes (<c>guest.page_flush_cost</c>) [assumption].</summary>
    public SimTime PageFlushCost { get; init; } = SimTime.FromNanoseconds(250);

    /// <summary>The TLB shootdown that ends a <c>set_memory_encrypted/decrypted</c> call (<c>guest.tlb_flush_cost</c>) [assumption].</summary>
    public SimTime TlbFlushCost { get; init; } = SimTime.FromNanoseconds(1_000);

    /// <summary>Fixed cost of sealing or opening one guest message (<c>guest.msg_crypto_setup</c>) [assumption].</summary>
    public SimTime MessageCryptoSetup { get; init; } = SimTime.FromNanoseconds(300);

    /// <summary>AES-256-GCM bandwidth of the guest kernel's message crypto (<c>guest.msg_crypto_bandwidth</c>).</summary>
    public Bandwidth MessageCryptoBandwidth { get; init; } = new(5e9);

    /// <summary>SHA-384 bandwidth for the evidence digests (<c>guest.sha384_bandwidth</c>).</summary>
    public Bandwidth Sha384Bandwidth { get; init; } = new(0.58e9);

    /// <summary>Wait before re-sending a guest request the hypervisor answered BUSY (<c>SNP_REQ_RETRY_DELAY</c>).</summary>
    public SimTime GuestRequestRetryDelay { get; init; } = SimTime.FromSeconds(2);

    /// <summary>Give up (ETIMEDOUT) once BUSY answers have lasted this long (<c>SNP_REQ_MAX_RETRY_DURATION</c>).</summary>
    public SimTime GuestRequestRetryLimit { get; init; } = SimTime.FromSeconds(60);

    /// <summary>Throws <see cref="ParameterException"/> if a value is unusable.</summary>
    public GuestCpuTiming Validate()
    {
        CheckBandwidth(CopyBandwidth, "guest.copy_bandwidth");
        CheckBandwidth(MessageCryptoBandwidth, "guest.msg_crypto_bandwidth");
        CheckBandwidth(Sha384Bandwidth, "guest.sha384_bandwidth");
        CheckTime(CopySetup, "guest.copy_setup");
        CheckTime(SwiotlbSlotCost, "guest.swiotlb_slot_cost");
        CheckTime(PvalidateCost, "guest.pvalidate_cost");
        CheckTime(PageFlushCost, "guest.page_flush_cost");
        CheckTime(TlbFlushCost, "guest.tlb_flush_cost");
        CheckTime(MessageCryptoSetup, "guest.msg_crypto_setup");
        CheckTime(GuestRequestRetryDelay, "guest.request_retry_delay");
        CheckTime(GuestRequestRetryLimit, "guest.request_retry_limit");
        return this;
    }

    /// <summary>Time the CPU takes to copy <paramref name="bytes"/> bytes in one call.</summary>
    public SimTime CopyCost(long bytes) => CopySetup + CopyBandwidth.TimeFor(bytes);

    /// <summary>Time to seal or open a guest message of <paramref name="bytes"/> payload bytes.</summary>
    public SimTime MessageCryptoCost(long bytes) => MessageCryptoSetup + MessageCryptoBandwidth.TimeFor(bytes);

    /// <summary>Time to hash <paramref name="bytes"/> bytes with SHA-384.</summary>
    public SimTime Sha384Cost(long bytes) => Sha384Bandwidth.TimeFor(bytes);

    private static void CheckBandwidth(Bandwidth value, string key)
    {
        if (!(value.BytesPerSecond > 0) || double.IsInfinity(value.BytesPerSecond))
        {
            throw new ParameterException(key, value.ToString(), "must be a positive bandwidth");
        }
    }

    private static void CheckTime(SimTime value, string key)
    {
        if (value < SimTime.Zero)
        {
            throw new ParameterException(key, value.ToString(), "must not be negative");
        }
    }
}
