using System.Security.Cryptography;
using SevTio.Guest.Pci;
using SevTio.Hw.Pcie;
using SevTio.Hw.Registers;
using SevTio.Hw.Rmp;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Spdm;
using SevTio.Protocols.Tdisp;
using SevTio.Protocols.Tsm;

namespace SevTio.Guest.Tests.Fakes;

/// <summary>
/// A TDISP-capable function for the guest tests: the real <see cref="ConfigSpace"/> (BAR0 64 KiB 64-bit TEE
/// registers, BAR2 16 KiB with the MSI-X table, PBA and non-TEE doorbells; a PCI Express capability with Device
/// Capabilities bit 30), the TDISP state, its evidence (certificates, measurements, interface report) and MMIO that
/// enforces the TDISP completer rule: in RUN, TEE ranges answer only T=1 (encrypted) requests, and only on pages the
/// PSP validated.
/// </summary>
internal sealed class FakeTdiDevice : IGuestMmio
{
    /// <summary>Where the host placed BAR0/BAR2 in system address space: the report's FIRST_PAGE is relative to it.</summary>
    public const ulong HostBar0 = 0x0000_00F0_0000_0000;
    public const ulong HostBar2 = 0x0000_00F0_0001_0000;
    public const ushort VendorId = 0x1022;
    public const ushort DeviceIdValue = 0x7E57;

    private readonly GuestTestPlatform _platform;
    private readonly Dictionary<ulong, ulong> _registers = [];

    public FakeTdiDevice(GuestTestPlatform platform)
    {
        _platform = platform;
        Config = new ConfigSpace(VendorId, DeviceIdValue, 0x12_0000);
        Config.DefineMemoryBar(0, GuestTestPlatform.Bar0Size, is64Bit: true, prefetchable: false);
        Config.DefineMemoryBar(2, GuestTestPlatform.Bar2Size, is64Bit: false, prefetchable: false);

        // The VMM's virtual config space shows the BARs at the guest-physical addresses it chose.
        Config.Write(0x10, (uint)GuestTestPlatform.Bar0Gpa);
        Config.Write(0x14, (uint)(GuestTestPlatform.Bar0Gpa >> 32));
        Config.Write(0x18, (uint)GuestTestPlatform.Bar2Gpa);
        var pcie = new RegisterBlock("PCIe", 0x10);
        pcie.Define(0x04, "DEVCAP", "Device Capabilities", 1u << 30).WithField(0, 32, FieldAccess.ReadOnly, "DEVCAP", "Device Capabilities");
        Config.AddCapability(0x10, pcie);
        ConfigAccess = new ConfigSpaceAccess(Config);

        Certificates = DefaultCertificates();
        Measurements = DefaultMeasurements();
    }

    public ConfigSpace Config { get; }

    public IGuestPciConfigAccess ConfigAccess { get; }

    public TsmTdispState State { get; set; }

    /// <summary>The device certificate chain (what SPDM GET_CERTIFICATE returned at connect).</summary>
    public byte[] Certificates { get; set; }

    /// <summary>The device's measurements (changes when its firmware changes).</summary>
    public byte[] Measurements { get; set; }

    /// <summary>MMIO_REPORTING_OFFSET of the LOCK request.</summary>
    public ulong ReportingOffset { get; set; }

    /// <summary>Overrides the report the device produces (null: the one derived from the BARs).</summary>
    public TdispDeviceInterfaceReport? ReportOverride { get; set; }

    public TdispDeviceInterfaceReport Report => ReportOverride ?? DefaultReport(ReportingOffset);

    public byte[] ReportBytes => Report.Encode();

    public List<MmioAccess> MmioLog { get; } = [];

    public int RefusedMmio { get; private set; }

    /// <summary>The device's certificate chain as shipped (a fixed pseudo-random blob).</summary>
    public static byte[] DefaultCertificates()
    {
        var blob = new byte[1800];
        new Random(7).NextBytes(blob);
        return blob;
    }

    /// <summary>The device's measurement blocks for a firmware build: ROM, firmware and configuration digests (DSP0274 Table 45).</summary>
    public static SpdmMeasurementBlock[] MeasurementBlocks(byte firmwareBuild = 1) =>
    [
        new(1, (byte)SpdmDmtfMeasurementValueType.ImmutableRom, SHA384.HashData("rom"u8)),
        new(2, (byte)SpdmDmtfMeasurementValueType.MutableFirmware, SHA384.HashData([0x46, 0x57, firmwareBuild])),
        new(3, (byte)SpdmDmtfMeasurementValueType.HardwareConfiguration, SHA384.HashData("config"u8)),
    ];

    /// <summary>
    /// A signed SPDM MEASUREMENTS response of the device, as the PSP's TIO_DEV_MEASUREMENTS returns it: the blocks, a
    /// fresh nonce and a signature (random bytes of the ECDSA P-384 size: the guest never checks it, the PSP did).
    /// </summary>
    public static byte[] DefaultMeasurements(byte firmwareBuild = 1, int nonceSeed = 8)
    {
        var random = new Random(nonceSeed);
        var nonce = new byte[32];
        random.NextBytes(nonce);
        var signature = new byte[96];
        random.NextBytes(signature);
        return new SpdmMeasurements(0, 0, MeasurementBlocks(firmwareBuild), nonce, [], signature).Encode();
    }

    /// <summary>SHA-384 of the encoded measurement record (the blocks back to back), computed here from DSP0274's layout.</summary>
    public static Sha384Digest RecordDigest(byte firmwareBuild = 1)
    {
        using var record = new MemoryStream();
        foreach (var block in MeasurementBlocks(firmwareBuild))
        {
            // Index, MeasurementSpecification (DMTF = 1), MeasurementSize u16, then type, value size u16, value.
            record.WriteByte(block.Index);
            record.WriteByte(1);
            record.Write(BitConverter.GetBytes((ushort)(block.Value.Length + 3)));
            record.WriteByte(block.ValueType);
            record.Write(BitConverter.GetBytes((ushort)block.Value.Length));
            record.Write(block.Value);
        }

        return Sha384Digest.FromBytes(SHA384.HashData(record.ToArray()));
    }

    public static TdispDeviceInterfaceReport DefaultReport(ulong reportingOffset = 0, ushort msixMessageControl = 0x0003) => new(
        TdispInterfaceInfo.NoFwUpdate | TdispInterfaceInfo.DmaWithoutPasid,
        msixMessageControl,
        0,
        0,
        [
            new TdispMmioRange(HostBar0 + reportingOffset, 16, TdispMmioRangeAttributes.None, 0),
            new TdispMmioRange(HostBar2 + reportingOffset, 1, TdispMmioRangeAttributes.MsixTable, 2),
            new TdispMmioRange(HostBar2 + 0x1000 + reportingOffset, 1, TdispMmioRangeAttributes.MsixPba, 2),
            new TdispMmioRange(HostBar2 + 0x2000 + reportingOffset, 2, TdispMmioRangeAttributes.IsNonTeeMem, 2),
        ],
        [0x53, 0x45, 0x56]);

    public ulong Read(ulong gpa, int size, bool encrypted)
    {
        if (!Allowed(gpa, encrypted, write: false))
        {
            return ulong.MaxValue >> (64 - (8 * size));
        }

        return _registers.GetValueOrDefault(gpa);
    }

    public void Write(ulong gpa, int size, ulong value, bool encrypted)
    {
        if (Allowed(gpa, encrypted, write: true))
        {
            _registers[gpa] = value;
        }
    }

    private static bool IsTeeGpa(ulong gpa) => gpa >= GuestTestPlatform.Bar0Gpa && gpa < GuestTestPlatform.Bar0Gpa + GuestTestPlatform.Bar0Size;

    private bool Allowed(ulong gpa, bool encrypted, bool write)
    {
        var ok = true;
        if (IsTeeGpa(gpa) && State == TsmTdispState.Run)
        {
            // TDISP §11.2.1: TEE memory of a RUN TDI answers only T=1; the RMP must show a validated guest page.
            var entry = _platform.RmpEntryAt(gpa & ~0xFFFul);
            ok = encrypted && entry.Assigned && entry.Asid == GuestTestPlatform.Asid && entry.Validated;
        }
        else if (encrypted)
        {
            ok = false; // T=1 outside RUN, or to a non-TEE range
        }

        MmioLog.Add(new MmioAccess(gpa, encrypted, write, ok));
        if (!ok)
        {
            RefusedMmio++;
        }

        return ok;
    }

    private sealed class ConfigSpaceAccess(ConfigSpace config) : IGuestPciConfigAccess
    {
        public uint ReadConfig(int offset) => config.Read(offset);

        public void WriteConfig(int offset, uint value, int byteEnables = 0xF) => config.Write(offset, value, byteEnables);
    }
}

internal readonly record struct MmioAccess(ulong Gpa, bool Encrypted, bool Write, bool Allowed);
