namespace SevTio.Hw.Rmp;

/// <summary>The RMP entry's Page_Size encoding (APM vol. 2, table 15-34), also used for PVALIDATE/RMPADJUST operands.</summary>
public enum RmpPageSize
{
    /// <summary>0: a 4 KiB page.</summary>
    Size4K = 0,

    /// <summary>1: a 2 MiB page; only the 2 MiB-aligned entry describes it, the 511 entries after it stay unassigned.</summary>
    Size2M = 1,
}
