namespace SevTio.Hw.Pcie;

/// <summary>PCIe link generations with their transfer rates and encodings (PCIe Base 6.x §4.2; reference §6.1).</summary>
public enum PcieGeneration : byte
{
    /// <summary>2.5 GT/s, 8b/10b.</summary>
    Gen1 = 1,

    /// <summary>5 GT/s, 8b/10b.</summary>
    Gen2 = 2,

    /// <summary>8 GT/s, 128b/130b.</summary>
    Gen3 = 3,

    /// <summary>16 GT/s, 128b/130b.</summary>
    Gen4 = 4,

    /// <summary>32 GT/s, 128b/130b.</summary>
    Gen5 = 5,

    /// <summary>64 GT/s PAM4, Flit Mode only (1b/1b; 236 of every 256 flit bytes carry TLPs).</summary>
    Gen6 = 6,
}
