using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using CsCheck;

namespace SevTio.Security.Tests.Fuzzing.Harness;

/// <summary>The kinds of damage the mutator does to a valid message.</summary>
internal enum MutationKind
{
    BitFlip,
    ByteSet,
    ByteArithmetic,
    IntegerField,
    Truncate,
    Extend,
    Insert,
    Delete,
    DuplicateChunk,
    Splice,
    Random,
}

/// <summary>
/// Structure-aware mutation (AFL/libFuzzer style, on top of valid messages): take a valid message from the real encoders,
/// then apply one to four mutations — bit flips, bytes set to edge values, arithmetic on a byte, a 1/2/4/8-byte integer
/// (little- or big-endian) overwritten with a length-like value (0, 1, the message length ± 1, the bytes left, all
/// ones...), truncation, extension, insertion, deletion, chunk duplication, splicing with a second valid message, and
/// rarely a random replacement. Starting from valid messages is what lets the mutations reach the deep field checks
/// instead of dying at the first length check.
/// </summary>
/// <remarks>
/// A CsCheck generator: the PCG drives every choice (deterministic, replayable) and the size is the number of
/// mutations and the length, so CsCheck's shrinker prefers fewer mutations of shorter messages. The hot methods skip
/// tiered JIT: a fuzz run is too short (and the CI machine too busy) for tier-0 code to be replaced in time.
/// </remarks>
internal sealed class Mutator<T>(Gen<T> valid, Func<T, byte[]> bytesOf, int maxLength = 1 << 16, Gen<T>? donors = null) : Gen<(T Valid, byte[] Input)>
{
    private static readonly (int Weight, MutationKind Kind)[] s_kinds =
    [
        (20, MutationKind.BitFlip),
        (14, MutationKind.ByteSet),
        (6, MutationKind.ByteArithmetic),
        (20, MutationKind.IntegerField),
        (9, MutationKind.Truncate),
        (7, MutationKind.Extend),
        (5, MutationKind.Insert),
        (5, MutationKind.Delete),
        (4, MutationKind.DuplicateChunk),
        (8, MutationKind.Splice),
        (2, MutationKind.Random),
    ];

    private static readonly int s_totalWeight = s_kinds.Sum(k => k.Weight);

    private static readonly byte[] s_edgeBytes = [0x00, 0x01, 0x02, 0x03, 0x04, 0x0F, 0x10, 0x7E, 0x7F, 0x80, 0x81, 0xFE, 0xFF];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override (T Valid, byte[] Input) Generate(PCG pcg, Size? min, out Size size)
    {
        var sample = valid.Generate(pcg, null, out _);
        var data = new List<byte>(bytesOf(sample));

        // 1 mutation most often (a single defect is the clearest probe), up to 4.
        var roll = pcg.Next(16);
        var count = roll < 10 ? 1 : roll < 14 ? 2 : roll < 15 ? 3 : 4;
        for (var i = 0; i < count; i++)
        {
            Apply(pcg, data);
            if (data.Count > maxLength)
            {
                data.RemoveRange(maxLength, data.Count - maxLength);
            }
        }

        var input = data.ToArray();
        size = new Size(((ulong)count << 32) | (uint)input.Length);
        return (sample, input);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Apply(PCG pcg, List<byte> data)
    {
        var pick = (int)pcg.Next((uint)s_totalWeight);
        var kind = MutationKind.BitFlip;
        foreach (var (weight, k) in s_kinds)
        {
            if (pick < weight)
            {
                kind = k;
                break;
            }

            pick -= weight;
        }

        // Mutations that need a byte to work on degrade to an extension of an empty message.
        if (data.Count == 0 && kind is not (MutationKind.Extend or MutationKind.Insert or MutationKind.Splice or MutationKind.Random))
        {
            kind = MutationKind.Extend;
        }

        switch (kind)
        {
            case MutationKind.BitFlip:
                data[Position(pcg, data.Count)] ^= (byte)(1 << (int)pcg.Next(8));
                break;

            case MutationKind.ByteSet:
                data[Position(pcg, data.Count)] = pcg.Next(4) == 0 ? (byte)pcg.Next(256) : s_edgeBytes[pcg.Next((uint)s_edgeBytes.Length)];
                break;

            case MutationKind.ByteArithmetic:
                var at = Position(pcg, data.Count);
                data[at] = (byte)(data[at] + (int)pcg.Next(33) - 16);
                break;

            case MutationKind.IntegerField:
                IntegerField(pcg, data);
                break;

            case MutationKind.Truncate:
                // Half the cuts drop a few bytes off the end (a trailing field), half anywhere.
                var keep = pcg.Next(2) == 0 ? Math.Max(0, data.Count - 1 - (int)pcg.Next(8)) : (int)pcg.Next((uint)data.Count);
                data.RemoveRange(keep, data.Count - keep);
                break;

            case MutationKind.Extend:
                // A few bytes, padding to the next DW boundary (what DOE and SPDM padding rules look at), or a run.
                var toBoundary = (4 - (data.Count & 3)) & 3;
                var extra = pcg.Next(3) switch
                {
                    0 => 1 + (int)pcg.Next(4),
                    1 => toBoundary > 0 ? toBoundary : 4,
                    _ => 1 + (int)pcg.Next(64),
                };
                var zeros = pcg.Next(2) == 0;
                for (var i = 0; i < extra; i++)
                {
                    data.Add(zeros ? (byte)0 : (byte)pcg.Next(256));
                }

                break;

            case MutationKind.Insert:
                var insertAt = (int)pcg.Next((uint)data.Count + 1);
                var inserted = new byte[1 + pcg.Next(16)];
                if (pcg.Next(2) == 0)
                {
                    FillRandom(pcg, inserted);
                }

                data.InsertRange(insertAt, inserted);
                break;

            case MutationKind.Delete:
                var deleteAt = Position(pcg, data.Count);
                data.RemoveRange(deleteAt, Math.Min(data.Count - deleteAt, 1 + (int)pcg.Next(16)));
                break;

            case MutationKind.DuplicateChunk:
                var from = Position(pcg, data.Count);
                var length = Math.Min(data.Count - from, 1 + (int)pcg.Next(32));
                var chunk = data.GetRange(from, length);
                data.InsertRange((int)pcg.Next((uint)data.Count + 1), chunk);
                break;

            case MutationKind.Splice:
                Splice(pcg, data);
                break;

            case MutationKind.Random:
                var random = new byte[pcg.Next((uint)(2 * data.Count) + 8)];
                FillRandom(pcg, random);
                data.Clear();
                data.AddRange(random);
                break;
        }
    }

    /// <summary>Overwrites a 1/2/4/8-byte integer with a value that stresses length and count checks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void IntegerField(PCG pcg, List<byte> data)
    {
        var width = pcg.Next(8) switch
        {
            0 or 1 => 1,
            2 or 3 or 4 => 2,
            5 or 6 => 4,
            _ => 8,
        };
        while (width > data.Count)
        {
            width >>= 1;
        }

        // Fields sit at their natural alignment more often than not.
        var slots = data.Count - width + 1;
        var at = pcg.Next(3) == 0 ? (int)pcg.Next((uint)slots) : Math.Min(slots - 1, (int)pcg.Next((uint)slots) & ~(width - 1));
        var bigEndian = pcg.Next(4) == 0;
        Span<byte> raw = stackalloc byte[8];
        for (var i = 0; i < width; i++)
        {
            raw[i] = data[at + i];
        }

        var current = bigEndian
            ? BinaryPrimitives.ReadUInt64BigEndian(Widen(raw[..width], bigEndian: true))
            : BinaryPrimitives.ReadUInt64LittleEndian(Widen(raw[..width], bigEndian: false));
        var mask = width == 8 ? ulong.MaxValue : (1ul << (8 * width)) - 1;
        var length = (ulong)data.Count;
        var left = (ulong)(data.Count - at);
        ulong value = pcg.Next(16) switch
        {
            0 => 0,
            1 => 1,
            2 => mask,
            3 => mask >> 1,
            4 => (mask >> 1) + 1,
            5 => length,
            6 => length - 1,
            7 => length + 1,
            8 => left,
            9 => left - (width == 1 ? 0ul : (ulong)width),
            10 => current + 1,
            11 => current - 1,
            12 => current << 1,
            13 => current + (ulong)(4 * (1 + pcg.Next(16))),
            14 => 1ul << (int)pcg.Next((uint)(8 * width)),
            _ => pcg.Next64(),
        };
        value &= mask;
        Span<byte> bytes = stackalloc byte[8];
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
            bytes = bytes[(8 - width)..];
        }
        else
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
            bytes = bytes[..width];
        }

        for (var i = 0; i < width; i++)
        {
            data[at + i] = bytes[i];
        }
    }

    private static byte[] Widen(ReadOnlySpan<byte> value, bool bigEndian)
    {
        var wide = new byte[8];
        value.CopyTo(bigEndian ? wide.AsSpan(8 - value.Length) : wide);
        return wide;
    }

    /// <summary>Crosses this message with a second valid one: a prefix of one and a suffix of the other, or a chunk overwritten.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Splice(PCG pcg, List<byte> data)
    {
        var donor = bytesOf((donors ?? valid).Generate(pcg, null, out _));
        if (donor.Length == 0)
        {
            return;
        }

        if (pcg.Next(2) == 0)
        {
            var cut = (int)pcg.Next((uint)data.Count + 1);
            var donorCut = (int)pcg.Next((uint)donor.Length + 1);
            data.RemoveRange(cut, data.Count - cut);
            data.AddRange(donor.AsSpan(donorCut).ToArray());
        }
        else
        {
            var from = (int)pcg.Next((uint)donor.Length);
            var length = Math.Min(donor.Length - from, 1 + (int)pcg.Next(32));
            var at = (int)pcg.Next((uint)data.Count + 1);
            for (var i = 0; i < length; i++)
            {
                if (at + i < data.Count)
                {
                    data[at + i] = donor[from + i];
                }
                else
                {
                    data.Add(donor[from + i]);
                }
            }
        }
    }

    // Positions favour the first 64 bytes, where headers and length fields live, without starving the rest.
    private static int Position(PCG pcg, int count) =>
        pcg.Next(2) == 0 && count > 64 ? (int)pcg.Next(64) : (int)pcg.Next((uint)count);

    private static void FillRandom(PCG pcg, Span<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)pcg.Next();
        }
    }
}

/// <summary>Entry points to the mutator.</summary>
internal static class Mutate
{
    /// <summary>
    /// Mutates one given message with the choices of <paramref name="pcg"/> (a stateful target mutates after it has built
    /// the message from its live state, e.g. sealed it), splicing with messages from <paramref name="donors"/>.
    /// </summary>
    public static byte[] Once(PCG pcg, byte[] message, Gen<byte[]> donors, int maxLength = 4096) =>
        new Mutator<byte[]>(Gen.Const(message), b => b, maxLength, donors).Generate(pcg, null, out _).Input;

    /// <summary>Mutated byte messages from a generator of valid ones.</summary>
    public static Gen<(byte[] Valid, byte[] Input)> Bytes(Gen<byte[]> valid, int maxLength = 1 << 16) =>
        new Mutator<byte[]>(valid, b => b, maxLength);

    /// <summary>Mutated bytes of valid samples that carry context (the codec, the fixture variant).</summary>
    public static Gen<(T Valid, byte[] Input)> Samples<T>(Gen<T> valid, Func<T, byte[]> bytesOf, int maxLength = 1 << 16) =>
        new Mutator<T>(valid, bytesOf, maxLength);
}
