namespace SevTio.Guest;

/// <summary>
/// The Linux error numbers the guest kernel answers with (include/uapi/asm-generic/errno-base.h, errno.h). A sysfs
/// write or a kernel call that fails returns one of these, as the kernel returns <c>-errno</c>; <see cref="None"/> is
/// success.
/// </summary>
public enum Errno
{
    None = 0,

    /// <summary>Operation not permitted.</summary>
    EPERM = 1,

    /// <summary>No such file or directory (a sysfs path that does not exist, or not now).</summary>
    ENOENT = 2,

    /// <summary>I/O error: a firmware or hypervisor error on a TIO operation (the seed maps every firmware error here).</summary>
    EIO = 5,

    /// <summary>No such device or address: the named TSM is not a devsec TSM.</summary>
    ENXIO = 6,

    /// <summary>Try again (the hypervisor answered BUSY).</summary>
    EAGAIN = 11,

    /// <summary>Out of memory: no pages, or no SWIOTLB slots.</summary>
    ENOMEM = 12,

    /// <summary>Permission denied: the acceptance policy refused the device, or a write to a read-only attribute.</summary>
    EACCES = 13,

    /// <summary>Bad address: a CPU access faulted.</summary>
    EFAULT = 14,

    /// <summary>Device or resource busy: a driver is bound, or the device is already locked.</summary>
    EBUSY = 16,

    /// <summary>No such device: the hypervisor handed over no interface report.</summary>
    ENODEV = 19,

    /// <summary>Invalid argument: bad input, or an operation the current state does not allow.</summary>
    EINVAL = 22,

    /// <summary>Inappropriate ioctl: the VMPCK was disabled after a failed exchange (Linux <c>snp_send_guest_request</c>).</summary>
    ENOTTY = 25,

    /// <summary>No space left: the data buffer was too small (VMM error INVALID_LEN).</summary>
    ENOSPC = 28,

    /// <summary>Bad message: a response or blob failed its authentication, sequence or digest check.</summary>
    EBADMSG = 74,

    /// <summary>Timed out: the hypervisor kept answering BUSY for longer than the retry limit.</summary>
    ETIMEDOUT = 110,
}
