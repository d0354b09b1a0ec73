using System.Buffers.Binary;
using SevTio.Protocols.Wire;

namespace SevTio.Protocols.Tests.Psp;

/// <summary>Shared checks for the SEV-TIO codec suites (PSP, guest messages, GHCB, TSM).</summary>
internal static class TioCodecAssert
{
    public delegate void SpanDecoder(ReadOnlySpan<byte> bytes);

    /// <summary>Every proper prefix of <paramref name="valid"/> (lengths 0..n-1) must raise ProtocolFormatException.</summary>
    public static void EveryTruncationThrows(byte[] valid, SpanDecoder decode)
    {
        for (var length = 0; length < valid.Length; length++)
        {
            var prefix = valid.AsSpan(0, length).ToArray();
            var ex = Record.Exception(() => decode(prefix));
            Assert.True(ex is ProtocolFormatException, $"truncation to {length} of {valid.Length} bytes: {(ex is null ? "no exception" : ex.GetType().Name + ": " + ex.Message)}");
        }
    }

    /// <summary>Decoding must throw ProtocolFormatException whose field contains <paramref name="fieldPart"/>.</summary>
    public static ProtocolFormatException Rejects(byte[] bytes, SpanDecoder decode, string fieldPart)
    {
        var ex = Assert.Throws<ProtocolFormatException>(() => decode(bytes));
        Assert.Contains(fieldPart, ex.Field, StringComparison.Ordinal);
        return ex;
    }

    /// <summary>
    /// Seeded random inputs: fully random arrays of every length up to <paramref name="maxLength"/>, plus mutations of
    /// <paramref name="valid"/> (a few random bytes changed), so both the length checks and the deep field checks are
    /// reached. Only ProtocolFormatException may escape.
    /// </summary>
    public static void FuzzOnlyFormatErrorsEscape(int seed, int iterations, byte[] valid, int maxLength, SpanDecoder decode)
    {
        var random = new Random(seed);
        for (var i = 0; i < iterations; i++)
        {
            byte[] input;
            if ((i & 1) == 0)
            {
                input = new byte[random.Next(maxLength + 1)];
                random.NextBytes(input);
            }
            else
            {
                input = (byte[])valid.Clone();
                var changes = 1 + random.Next(4);
                for (var c = 0; c < changes && input.Length > 0; c++)
                {
                    input[random.Next(input.Length)] = (byte)random.Next(256);
                }

                if (random.Next(8) == 0)
                {
                    Array.Resize(ref input, random.Next(input.Length + 16));
                }
            }

            try
            {
                decode(input);
            }
            catch (ProtocolFormatException)
            {
            }
            catch (Exception ex)
            {
                Assert.Fail($"seed {seed} iteration {i}: {ex.GetType().Name} escaped for input {Convert.ToHexString(input)}: {ex}");
            }
        }
    }

    public static void PutU16(byte[] b, int offset, ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(offset), v);

    public static void PutU32(byte[] b, int offset, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(offset), v);

    public static void PutU64(byte[] b, int offset, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(offset), v);

    public static void Fill(byte[] b, int offset, int count, byte start)
    {
        for (var i = 0; i < count; i++)
        {
            b[offset + i] = (byte)(start + i);
        }
    }

    public static byte[] Sequence(int count, byte start)
    {
        var b = new byte[count];
        Fill(b, 0, count, start);
        return b;
    }
}
