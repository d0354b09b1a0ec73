namespace SevTio.Hw.Pcie;

/// <summary>
/// How often a Non-Flit-Mode link spends bytes on DLLPs and ordered sets, as the pcie-bench model charges them
/// (Neugebauer et al., SIGCOMM 2018; <c>pcie-bench/pcie-model</c> <c>model/pcie.py</c>): one 8-byte Ack DLLP per
/// Ack-limit bytes (PCIe Base 5.0 Tables 3-7..3-9), one 8-byte UpdateFC DLLP per FC-guideline bytes (Tables
/// 2-46..2-48), and a 4-byte SKP ordered set every 1538 bytes. The intervals depend on generation, width and MPS.
/// </summary>
/// <remarks>
/// pcie-bench uses the same numbers for the Ack limit and the UpdateFC guideline, and the same for gen 3, 4 and 5; so
/// does this table. Gen 6 runs in Flit Mode, where Ack/Nak and flow control ride in the flit's DLP bytes and no
/// interval applies.
/// </remarks>
public static class DllpSchedule
{
    /// <summary>Bytes of an Ack or UpdateFC DLLP on the wire: 6 bytes of DLLP plus 2 of framing.</summary>
    public const int DllpBytes = 8;

    public const int SkpBytes = 4;

    public const int SkpIntervalBytes = 1538;

    // [generation row][width index: x1, x2, x4, x8, x16][MPS index: 128 .. 4096]
    private static readonly int[][][] Intervals =
    [
        // Gen 1
        [
            [237, 416, 559, 1071, 2095, 4143],
            [128, 217, 289, 545, 1057, 2081],
            [73, 118, 154, 282, 538, 1050],
            [67, 107, 86, 150, 278, 534],
            [48, 72, 86, 150, 278, 534],
        ],

        // Gen 2
        [
            [288, 467, 610, 1122, 2146, 4194],
            [179, 268, 340, 596, 1108, 2132],
            [124, 169, 205, 333, 589, 1101],
            [118, 158, 137, 201, 329, 585],
            [99, 123, 137, 201, 329, 585],
        ],

        // Gen 3, 4 and 5
        [
            [333, 512, 655, 1167, 2191, 4239],
            [224, 313, 385, 641, 1153, 2177],
            [169, 214, 250, 378, 634, 1146],
            [163, 203, 182, 246, 374, 630],
            [144, 168, 182, 246, 374, 630],
        ],
    ];

    /// <summary>Bytes of link traffic per Ack DLLP (the Ack limit, PCIe 5.0 Tables 3-7..3-9).</summary>
    public static int AckInterval(PcieGeneration generation, int width, int maxPayload) => Lookup(generation, width, maxPayload);

    /// <summary>Bytes of link traffic per UpdateFC DLLP (the recommended FC update rate, PCIe 5.0 Tables 2-46..2-48).</summary>
    public static int UpdateFcInterval(PcieGeneration generation, int width, int maxPayload) => Lookup(generation, width, maxPayload);

    private static int Lookup(PcieGeneration generation, int width, int maxPayload)
    {
        var row = generation switch
        {
            PcieGeneration.Gen1 => 0,
            PcieGeneration.Gen2 => 1,
            PcieGeneration.Gen3 or PcieGeneration.Gen4 or PcieGeneration.Gen5 => 2,
            _ => throw new ArgumentOutOfRangeException(nameof(generation), generation, "DLLP intervals apply to Non-Flit Mode (gen 1-5)"),
        };
        var w = width switch
        {
            1 => 0,
            2 => 1,
            4 => 2,
            8 => 3,
            16 => 4,
            _ => throw new ArgumentOutOfRangeException(nameof(width), width, "width is x1, x2, x4, x8 or x16"),
        };
        var m = maxPayload switch
        {
            128 => 0,
            256 => 1,
            512 => 2,
            1024 => 3,
            2048 => 4,
            4096 => 5,
            _ => throw new ArgumentOutOfRangeException(nameof(maxPayload), maxPayload, "MPS is 128-4096 bytes"),
        };
        return Intervals[row][w][m];
    }
}
