using SevTio.Hw.Registers;

namespace SevTio.Hw.Device;

/// <summary>
/// The MSI-X Table (16 bytes per vector: Message Address, Upper Address, Data, Vector Control with the Mask bit) and
/// the Pending Bit Array (PCIe 6.x §7.7.2.5), as registers in a memory BAR. A message for a masked vector (or while the
/// function is masked) sets its pending bit and goes out when software unmasks it.
/// </summary>
public sealed class MsixTable
{
    private readonly MsixCapability _capability;
    private readonly ulong[] _pending;

    public MsixTable(MsixCapability capability, int vectors)
    {
        ArgumentNullException.ThrowIfNull(capability);
        _capability = capability;
        Vectors = vectors;
        Table = new RegisterBlock("MSIX_TABLE", vectors * 16);
        for (var v = 0; v < vectors; v++)
        {
            Table.Define(v * 16, $"MSG_ADDR{v}", $"Vector {v} Message Address")
                .WithReserved(0, 2)
                .WithField(2, 30, FieldAccess.ReadWrite, "ADDR", "Message Address [31:2]");
            Table.Define((v * 16) + 4, $"MSG_UADDR{v}", $"Vector {v} Message Upper Address")
                .WithField(0, 32, FieldAccess.ReadWrite, "UADDR", "Message Upper Address");
            Table.Define((v * 16) + 8, $"MSG_DATA{v}", $"Vector {v} Message Data")
                .WithField(0, 32, FieldAccess.ReadWrite, "DATA", "Message Data");
            var vector = v;
            Table.Define((v * 16) + 12, $"VEC_CTL{v}", $"Vector {v} Vector Control", 1)
                .WithFlag(0, FieldAccess.ReadWrite, "MASK", "Mask Bit")
                .WithReserved(1, 31)
                .Written = (_, _, _) => MaskChanged?.Invoke(vector);
        }

        _pending = new ulong[(vectors + 63) / 64];
        Pba = new RegisterBlock("MSIX_PBA", _pending.Length * 8);
        for (var q = 0; q < _pending.Length; q++)
        {
            var word = q;
            Pba.Define(q * 8, $"PBA{q}_LO", $"Pending Bits {q * 64}-{(q * 64) + 31}")
                .Define(0, 32, FieldAccess.ReadOnly, "PB", "Pending Bits").ValueProvider = () => (uint)_pending[word];
            Pba.Define((q * 8) + 4, $"PBA{q}_HI", $"Pending Bits {(q * 64) + 32}-{(q * 64) + 63}")
                .Define(0, 32, FieldAccess.ReadOnly, "PB", "Pending Bits").ValueProvider = () => (uint)(_pending[word] >> 32);
        }
    }

    public int Vectors { get; }

    public RegisterBlock Table { get; }

    public RegisterBlock Pba { get; }

    /// <summary>Raised when software writes a vector's Vector Control (the device then sends a pending message).</summary>
    public event Action<int>? MaskChanged;

    public ulong Address(int vector) => ((ulong)Table.At((vector * 16) + 4)!.StoredValue << 32) | (Table.At(vector * 16)!.StoredValue & ~3u);

    public uint Data(int vector) => Table.At((vector * 16) + 8)!.StoredValue;

    public bool IsMasked(int vector) => (Table.At((vector * 16) + 12)!.StoredValue & 1) != 0 || _capability.FunctionMasked;

    public bool IsPending(int vector) => (_pending[vector / 64] & (1UL << (vector % 64))) != 0;

    public void SetPending(int vector, bool pending)
    {
        if (pending)
        {
            _pending[vector / 64] |= 1UL << (vector % 64);
        }
        else
        {
            _pending[vector / 64] &= ~(1UL << (vector % 64));
        }
    }
}
