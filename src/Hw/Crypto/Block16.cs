using System.Runtime.CompilerServices;

namespace SevTio.Hw.Crypto;

/// <summary>16 bytes held inline (one AES block), for state that lives inside structs.</summary>
[InlineArray(16)]
internal struct Block16
{
    private byte _element0;
}
