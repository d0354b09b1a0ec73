using SevTio.Hw.Registers;

namespace SevTio.Hw.Ide;

/// <summary>
/// The IDE Extended Capability (ID 0030h, version 1; PCIe 6.x §7.9.26) as registers with named fields: Capability,
/// Control, then one Selective IDE Stream register block per stream (Capability, Control, Status, RID Association 1
/// and 2, and address association blocks of three registers each). No Link IDE streams are implemented.
/// Writing Enable in a stream's Control register configures and enables the <see cref="IdeStream"/> behind it;
/// the Status register reads the stream's live state.
/// </summary>
/// <remarks>
/// The header dword (offset 0) is filled in by <see cref="Pcie.ConfigSpace.AddExtendedCapability"/>. Fields sampled at
/// Enable (aggregation, PCRC, Config-Req Enable, TC, Default, TEE-Limited, Stream ID) are read-only while Enable stays
/// set; the reference lists aggregation, PCRC, partial-header, algorithm and TEE-Limited, and the model also holds TC
/// and Stream ID. Partial header encryption and algorithms other than AES-GCM-256 are not supported (read 0).
/// </remarks>
public sealed class IdeCapability : RegisterBlock
{
    public const ushort ExtendedCapabilityId = 0x0030;
    public const byte CapabilityVersion = 1;

    private const uint SampledMask = 0xFFFF_FFFEu;

    private readonly IdePort _port;

    internal IdeCapability(IdePort port, int streams, int addressBlocks, bool teeLimitedSupported)
        : base("IDE", 0x0C + (streams * SelectiveBlockSize(addressBlocks)))
    {
        _port = port;
        AddressBlocks = addressBlocks;

        Define(0x04, "IDE_CAP", "IDE Capability Register",
                (1u << 1) | (1u << 4) | (1u << 5) | (1u << 6) | ((uint)(streams - 1) << 16) | (teeLimitedSupported ? 1u << 24 : 0))
            .WithFlag(0, FieldAccess.ReadOnly, "LNK", "Link IDE Stream Supported")
            .WithFlag(1, FieldAccess.ReadOnly, "SEL", "Selective IDE Streams Supported")
            .WithFlag(2, FieldAccess.ReadOnly, "FT", "Flow-Through IDE Stream Supported")
            .WithFlag(3, FieldAccess.ReadOnly, "PHE", "Partial Header Encryption Supported")
            .WithFlag(4, FieldAccess.ReadOnly, "AGG", "Aggregation Supported")
            .WithFlag(5, FieldAccess.ReadOnly, "PCRC", "PCRC Supported")
            .WithFlag(6, FieldAccess.ReadOnly, "IDEKM", "IDE_KM Protocol Supported")
            .WithFlag(7, FieldAccess.ReadOnly, "SELCFG", "Selective IDE for Configuration Requests Supported")
            .WithField(8, 5, FieldAccess.ReadOnly, "ALG", "Supported Algorithms")
            .WithField(13, 3, FieldAccess.ReadOnly, "NLTC", "Number of TCs Supported for Link IDE")
            .WithField(16, 8, FieldAccess.ReadOnly, "NSEL", "Number of Selective IDE Streams Supported")
            .WithFlag(24, FieldAccess.ReadOnly, "TEELIM", "TEE-Limited Stream Supported")
            .WithReserved(25, 7);

        Define(0x08, "IDE_CTL", "IDE Control Register")
            .WithReserved(0, 2)
            .WithFlag(2, FieldAccess.ReadWrite, "FTEN", "Flow-Through IDE Stream Enabled", modelled: false)
            .WithReserved(3, 29);

        for (var i = 0; i < streams; i++)
        {
            DefineStream(i);
        }
    }

    /// <summary>Address association blocks per Selective stream.</summary>
    public int AddressBlocks { get; }

    /// <summary>Bytes of one Selective IDE Stream register block: 20 + 12 per address block.</summary>
    public static int SelectiveBlockSize(int addressBlocks) => 20 + (12 * addressBlocks);

    /// <summary>Offset of Selective stream block <paramref name="index"/> (no Link IDE blocks in this model).</summary>
    public int SelectiveBlockOffset(int index) => 0x0C + (index * SelectiveBlockSize(AddressBlocks));

    /// <summary>The Control register of Selective stream block <paramref name="index"/>.</summary>
    public Register32 StreamControl(int index) => At(SelectiveBlockOffset(index) + 4)!;

    public Register32 StreamStatus(int index) => At(SelectiveBlockOffset(index) + 8)!;

    public Register32 RidAssociation1(int index) => At(SelectiveBlockOffset(index) + 0x0C)!;

    public Register32 RidAssociation2(int index) => At(SelectiveBlockOffset(index) + 0x10)!;

    public Register32 AddressAssociation(int index, int block, int register) => At(SelectiveBlockOffset(index) + 0x14 + (12 * block) + (4 * (register - 1)))!;

    /// <summary>The Stream ID software wrote into block <paramref name="index"/>'s Control register.</summary>
    public byte ConfiguredStreamId(int index) => (byte)StreamControl(index)["ID"].Value;

    /// <summary>Builds the stream settings from the Control register fields (sampled at Enable).</summary>
    internal IdeStreamSettings SampleSettings(int index, IdeStreamSettings template)
    {
        var ctl = StreamControl(index);
        return template with
        {
            NonPostedAggregation = IdeStreamSettings.DecodeAggregation(ctl["TXAGG_NPR"].Value),
            PostedAggregation = IdeStreamSettings.DecodeAggregation(ctl["TXAGG_PR"].Value),
            CompletionAggregation = IdeStreamSettings.DecodeAggregation(ctl["TXAGG_CPL"].Value),
            PcrcEnabled = ctl["PCRC"].IsSet,
            ConfigRequestsEnabled = ctl["CFG"].IsSet,
            TrafficClass = (byte)ctl["TC"].Value,
        };
    }

    private void DefineStream(int i)
    {
        var b = SelectiveBlockOffset(i);
        Define(b, $"SEL{i}_CAP", $"Selective IDE Stream {i} Capability Register", (uint)AddressBlocks)
            .WithField(0, 4, FieldAccess.ReadOnly, "NADDR", "Number of Address Association Register Blocks")
            .WithReserved(4, 28);

        var ctl = Define(b + 4, $"SEL{i}_CTL", $"Selective IDE Stream {i} Control Register")
            .WithFlag(0, FieldAccess.ReadWrite, "EN", "Selective IDE Stream Enable")
            .WithReserved(1, 1)
            .WithField(2, 2, FieldAccess.ReadWrite, "TXAGG_NPR", "Tx Aggregation Mode NPR")
            .WithField(4, 2, FieldAccess.ReadWrite, "TXAGG_PR", "Tx Aggregation Mode PR")
            .WithField(6, 2, FieldAccess.ReadWrite, "TXAGG_CPL", "Tx Aggregation Mode CPL")
            .WithFlag(8, FieldAccess.ReadWrite, "PCRC", "PCRC Enable")
            .WithFlag(9, FieldAccess.ReadWrite, "CFG", "Selective IDE for Configuration Requests Enable")
            .WithField(10, 4, FieldAccess.ReadOnly, "PHE", "Partial Header Encryption Mode (not supported)")
            .WithField(14, 5, FieldAccess.ReadOnly, "ALG", "Selected Algorithm (AES-GCM-256, 96-bit MAC)")
            .WithField(19, 3, FieldAccess.ReadWrite, "TC", "TC")
            .WithFlag(22, FieldAccess.ReadWrite, "DEF", "Default Stream")
            .WithFlag(23, FieldAccess.ReadWrite, "TEELIM", "TEE-Limited Stream")
            .WithField(24, 8, FieldAccess.ReadWrite, "ID", "Stream ID");
        ctl.Written = (reg, before, after) => OnControlWritten(i, reg, before, after);

        var sts = Define(b + 8, $"SEL{i}_STS", $"Selective IDE Stream {i} Status Register")
            .WithReserved(4, 27);
        sts.Define(0, 4, FieldAccess.ReadOnly, "STATE", "Selective IDE Stream State").ValueProvider = () => (uint)_port.Streams[i].State;
        var fail = sts.Define(31, 1, FieldAccess.WriteOneToClear, "RFM", "Received Integrity Check Fail Message");
        fail.Written = (_, _, now) =>
        {
            if (now == 0)
            {
                _port.Streams[i].ReceivedFailMessage = false;
            }
        };

        Define(b + 0x0C, $"SEL{i}_RID1", $"IDE RID Association Register 1 (stream {i})")
            .WithReserved(0, 8)
            .WithField(8, 16, FieldAccess.ReadWrite, "LIMIT", "RID Limit")
            .WithReserved(24, 8);
        Define(b + 0x10, $"SEL{i}_RID2", $"IDE RID Association Register 2 (stream {i})")
            .WithFlag(0, FieldAccess.ReadWrite, "V", "Valid")
            .WithReserved(1, 7)
            .WithField(8, 16, FieldAccess.ReadWrite, "BASE", "RID Base")
            .WithField(24, 8, FieldAccess.ReadWrite, "SEG", "Segment Base", modelled: false);

        for (var a = 0; a < AddressBlocks; a++)
        {
            var ab = b + 0x14 + (12 * a);
            Define(ab, $"SEL{i}_ADDR{a}_1", $"IDE Address Association Register 1 (stream {i}, block {a})")
                .WithFlag(0, FieldAccess.ReadWrite, "V", "Valid")
                .WithReserved(1, 7)
                .WithField(8, 12, FieldAccess.ReadWrite, "BASE_LO", "Memory Base Lower [31:20]")
                .WithField(20, 12, FieldAccess.ReadWrite, "LIMIT_LO", "Memory Limit Lower [31:20]");
            Define(ab + 4, $"SEL{i}_ADDR{a}_2", $"IDE Address Association Register 2 (stream {i}, block {a})")
                .WithField(0, 32, FieldAccess.ReadWrite, "LIMIT_HI", "Memory Limit Upper [63:32]");
            Define(ab + 8, $"SEL{i}_ADDR{a}_3", $"IDE Address Association Register 3 (stream {i}, block {a})")
                .WithField(0, 32, FieldAccess.ReadWrite, "BASE_HI", "Memory Base Upper [63:32]");
        }
    }

    private void OnControlWritten(int index, Register32 ctl, uint before, uint after)
    {
        var wasEnabled = (before & 1) != 0;
        var nowEnabled = (after & 1) != 0;
        if (wasEnabled && nowEnabled)
        {
            // Sampled fields are read-only while Enable stays set.
            ctl.StoredValue = (after & ~SampledMask) | (before & SampledMask);
            return;
        }

        var stream = _port.Streams[index];
        if (!wasEnabled && nowEnabled)
        {
            stream.Configure(SampleSettings(index, stream.Settings), ConfiguredStreamId(index));
            stream.Enable();
        }
        else if (wasEnabled && !nowEnabled)
        {
            stream.Disable();
        }
    }
}
