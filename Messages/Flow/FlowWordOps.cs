using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VSwarm.Messages.Flow;

/// <summary>
/// Word-wise operations shared by keys and masks: masked comparison and hashing over whole
/// stages, as OVS's miniflow code does, written as loops over words (vectorised where the
/// hardware allows) rather than code per field.
/// </summary>
public static class FlowWordOps
{
    /// <summary>True when <c>(a ^ b) &amp; mask</c> is zero in every word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool MaskedEquals(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, ReadOnlySpan<ulong> mask)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            ref var ra = ref MemoryMarshal.GetReference(a);
            ref var rb = ref MemoryMarshal.GetReference(b);
            ref var rm = ref MemoryMarshal.GetReference(mask);
            var acc = Vector256<ulong>.Zero;
            for (nuint i = 0; i < FlowLayout.Words; i += 4)
            {
                acc |= (Vector256.LoadUnsafe(ref ra, i) ^ Vector256.LoadUnsafe(ref rb, i)) & Vector256.LoadUnsafe(ref rm, i);
            }

            return acc == Vector256<ulong>.Zero;
        }

        ulong diff = 0;
        for (var i = 0; i < FlowLayout.Words; i++)
        {
            diff |= (a[i] ^ b[i]) & mask[i];
        }

        return diff == 0;
    }

    /// <summary>True when every word of <paramref name="words"/> is zero.</summary>
    public static bool IsZero(ReadOnlySpan<ulong> words)
    {
        ulong any = 0;
        foreach (var w in words)
        {
            any |= w;
        }

        return any == 0;
    }

    /// <summary>
    /// Hash of <c>key &amp; mask</c> over the words [<paramref name="from"/>, <paramref name="to"/>),
    /// continuing from <paramref name="basis"/>, so that a classifier can hash stage by stage and
    /// the running value over all stages equals the hash over the whole range.
    /// </summary>
    /// <remarks>
    /// The running value is <c>basis + Σ mix(i, key[i] &amp; mask[i])</c>, where <c>mix</c> folds the
    /// 128-bit product of the word (XOR a per-index seed) with a constant. Each word's term is
    /// independent of the others, so the terms are computed in parallel (the only serial step is
    /// an add) while the sum still composes over any split of the range. The per-index seed makes
    /// the hash depend on where a value sits, not only on the multiset of values.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MaskedHash(ReadOnlySpan<ulong> key, ReadOnlySpan<ulong> mask, int from, int to, ulong basis)
    {
        if ((uint)from > (uint)to || (uint)to > (uint)key.Length || (uint)to > (uint)mask.Length)
        {
            ThrowRange();
        }

        ref var rk = ref MemoryMarshal.GetReference(key);
        ref var rm = ref MemoryMarshal.GetReference(mask);
        var seed = SeedStep * (ulong)(from + 1);
        ulong h0 = basis, h1 = 0;
        nint i = from, end = to;

        // Four words per iteration into two sums: same value as one word at a time, fewer
        // loop-carried dependencies and less loop overhead.
        for (; i + 4 <= end; i += 4)
        {
            h0 += Term(ref rk, ref rm, i, seed);
            h1 += Term(ref rk, ref rm, i + 1, seed + SeedStep);
            h0 += Term(ref rk, ref rm, i + 2, seed + SeedStep2);
            h1 += Term(ref rk, ref rm, i + 3, seed + SeedStep3);
            seed += SeedStep4;
        }

        for (; i < end; i++)
        {
            h0 += Term(ref rk, ref rm, i, seed);
            seed += SeedStep;
        }

        return h0 + h1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Term(ref ulong rk, ref ulong rm, nint i, ulong seed)
    {
        var x = (Unsafe.Add(ref rk, i) & Unsafe.Add(ref rm, i)) ^ seed;

        // hi ^ lo of the 128-bit product; Math.BigMul's out parameter goes through memory.
        var hi = Bmi2.X64.IsSupported ? Bmi2.X64.MultiplyNoFlags(x, MixMultiplier) : Math.BigMul(x, MixMultiplier, out _);
        return hi ^ (x * MixMultiplier);
    }

    private const ulong SeedStep = 0x9E3779B97F4A7C15UL;
    private const ulong SeedStep2 = unchecked(SeedStep * 2);
    private const ulong SeedStep3 = unchecked(SeedStep * 3);
    private const ulong SeedStep4 = unchecked(SeedStep * 4);
    private const ulong MixMultiplier = 0xD6E8FEB86659FD93UL;

    private static void ThrowRange() => throw new ArgumentOutOfRangeException(nameof(MaskedHash), "word range outside the key or the mask");

    /// <summary>Finishes a running hash into a well-distributed value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Finish(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h;
    }
}
