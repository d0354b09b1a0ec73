using System.Globalization;
using SevTio.Hw.Ide;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Device;

/// <summary>The build-time facts of the model device (what its silicon and firmware straps fix).</summary>
public sealed record DeviceSettings
{
    /// <summary>QEMU's vendor ID for emulated devices: a model device, not a product.</summary>
    public ushort VendorId { get; init; } = 0x1B36;

    public ushort DeviceId { get; init; } = 0x5E70;

    /// <summary>Class code 12h/00h: processing accelerator.</summary>
    public uint ClassCode { get; init; } = 0x12_0000;

    /// <summary>Bus/device/function the platform enumerated the function at (01:00.0).</summary>
    public ushort RequesterId { get; init; } = 0x0100;

    /// <summary>Outstanding DMA read requests (<c>device.read_tags</c>).</summary>
    public int ReadTags { get; init; } = 32;

    /// <summary>Bytes of device memory (data buffers), a power of two.</summary>
    public long MemoryBytes { get; init; } = 4L << 20;

    public int MsixVectors { get; init; } = 8;

    /// <summary>Selective IDE streams the device's port implements.</summary>
    public int IdeStreams { get; init; } = 1;

    /// <summary>Model settings of the device's IDE streams (latencies, counter limit); the Control register supplies the rest.</summary>
    public IdeStreamSettings IdeSettings { get; init; } = new();

    /// <summary>Device Capabilities bit 30 (TEE-IO Supported).</summary>
    public bool TeeIoSupported { get; init; } = true;

    public DeviceSettings Validate()
    {
        if (ReadTags is < 1 or > 1024)
        {
            throw new ParameterException("device.read_tags", ReadTags.ToString(CultureInfo.InvariantCulture), "must be 1-1024 (10-bit tags)");
        }

        if (MsixVectors is < 1 or > 2048)
        {
            throw new ParameterException("device.msix_vectors", MsixVectors.ToString(CultureInfo.InvariantCulture), "must be 1-2048");
        }

        if (IdeStreams is < 1 or > 8)
        {
            throw new ParameterException("device.ide_streams", IdeStreams.ToString(CultureInfo.InvariantCulture), "must be 1-8");
        }

        IdeSettings.Validate();
        return this;
    }
}
