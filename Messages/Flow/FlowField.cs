using System.Runtime.CompilerServices;

namespace VSwarm.Messages.Flow;

/// <summary>
/// One field of the flow layout: where its bits live in the words of a key or a mask. Fields of
/// up to 64 bits lie inside one word; 128-bit fields (IPv6 addresses, nd_target) take two whole
/// words, high word first.
/// </summary>
/// <param name="Name">OVS's canonical field name (nw_src, tp_dst…).</param>
/// <param name="Word">Index of the (first) word.</param>
/// <param name="Shift">Position of the field's least significant bit inside the word.</param>
/// <param name="Bits">Width in bits: 1..64, or 128.</param>
public sealed record FlowField(string Name, int Word, int Shift, int Bits)
{
    /// <summary>The stage this field is looked up in.</summary>
    public FlowStage Stage => FlowLayout.StageOf(Word);

    /// <summary>All ones over the field's width, as a value of the field.</summary>
    public UInt128 AllOnes => Bits == 128 ? UInt128.MaxValue : (UInt128.One << Bits) - 1;

    /// <summary>The bits of <see cref="Word"/> the field covers (for fields of at most 64 bits).</summary>
    public ulong WordMask => Bits >= 64 ? ulong.MaxValue : ((1UL << Bits) - 1) << Shift;

    /// <summary>Reads the field's value from a word array.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public UInt128 Read(ReadOnlySpan<ulong> words) => Bits == 128
        ? new UInt128(words[Word], words[Word + 1])
        : (words[Word] & WordMask) >> Shift;

    /// <summary>Writes the field's value into a word array; bits above the width are ignored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(Span<ulong> words, UInt128 value)
    {
        if (Bits == 128)
        {
            words[Word] = (ulong)(value >> 64);
            words[Word + 1] = (ulong)value;
            return;
        }

        var mask = WordMask;
        words[Word] = (words[Word] & ~mask) | (((ulong)value << Shift) & mask);
    }

    /// <summary>The value with only its top <paramref name="prefixLength"/> bits set (a CIDR mask).</summary>
    public UInt128 PrefixMask(int prefixLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, Bits);
        if (prefixLength == 0)
        {
            return UInt128.Zero;
        }

        // Shift counts of UInt128 are taken modulo 128, so a full-width prefix is its own case.
        return prefixLength == Bits ? AllOnes : AllOnes & ~(AllOnes >> prefixLength);
    }

    /// <summary>
    /// The CIDR length of a mask value of this field, or -1 when the mask is not a contiguous
    /// run of high bits (OVS's trie ignores such fields for a subtable).
    /// </summary>
    public int PrefixLength(UInt128 mask)
    {
        mask &= AllOnes;
        var ones = (int)UInt128.PopCount(mask);
        return PrefixMask(ones) == mask ? ones : -1;
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
