using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MaskedHash(ReadOnlySpan<ulong> key, ReadOnlySpan<ulong> mask, int from, int to, ulong basis)
    {
        var h = basis;
        for (var i = from; i < to; i++)
        {
            h = Mix(h, key[i] & mask[i]);
        }

        return h;
    }

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong h, ulong w) => BitOperations.RotateLeft(h ^ (w * 0x9E3779B97F4A7C15UL), 27) * 0x94D049BB133111EBUL + 0x632BE59BD9B4E019UL;
}
