using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace VSwarm.Messages.Flow;

/// <summary>
/// Wildcards as OVS's flow_wildcards: a flow-shaped bit mask in which 1 means "this bit must
/// match" and 0 means "don't care". The default value wildcards everything. Un-wildcarding only
/// ever adds bits, which is how translation accumulates a megaflow's mask.
/// </summary>
public struct FlowMask : IEquatable<FlowMask>
{
    private FlowWords _words;

    /// <summary>A mask that matches every bit of every modelled field (an exact match).</summary>
    public static readonly FlowMask Exact = BuildExact();

    /// <summary>The words of the mask, writable.</summary>
    [UnscopedRef]
    public Span<ulong> Words => _words;

    /// <summary>The words of the mask.</summary>
    [UnscopedRef]
    public readonly ReadOnlySpan<ulong> ReadOnlyWords => _words;

    /// <summary>True when nothing is matched (the catch-all mask).</summary>
    public readonly bool IsEmpty => FlowWordOps.IsZero(ReadOnlyWords);

    /// <summary>The mask value of a field (all ones over its width = exact).</summary>
    public readonly UInt128 Get(FlowField field) => field.Read(ReadOnlyWords);

    /// <summary>Replaces the mask of a field.</summary>
    public void Set(FlowField field, UInt128 bits) => field.Write(Words, bits);

    /// <summary>True when every bit of the field is matched.</summary>
    public readonly bool IsExact(FlowField field) => Get(field) == field.AllOnes;

    /// <summary>True when no bit of the field is matched.</summary>
    public readonly bool IsWildcarded(FlowField field) => Get(field) == UInt128.Zero;

    /// <summary>Un-wildcards a whole field.</summary>
    public void Unwildcard(FlowField field) => Set(field, field.AllOnes);

    /// <summary>Un-wildcards some bits of a field (ORs them in).</summary>
    public void Unwildcard(FlowField field, UInt128 bits) => Set(field, Get(field) | (bits & field.AllOnes));

    /// <summary>Un-wildcards the top <paramref name="prefixLength"/> bits of a field.</summary>
    public void UnwildcardPrefix(FlowField field, int prefixLength) => Unwildcard(field, field.PrefixMask(prefixLength));

    /// <summary>Wildcards a whole field again (used by translation's finishing rules).</summary>
    public void Wildcard(FlowField field) => Set(field, UInt128.Zero);

    /// <summary>ORs another mask in (union of matched bits).</summary>
    public void UnionWith(in FlowMask other) => FoldWords(other, 0, FlowLayout.Words);

    /// <summary>
    /// ORs the words [<paramref name="from"/>, <paramref name="to"/>) of another mask into this one:
    /// OVS's FOLD of a subtable mask over the stages examined so far.
    /// </summary>
    public void FoldWords(in FlowMask other, int from, int to)
    {
        var src = other.ReadOnlyWords;
        var dst = Words;
        for (var i = from; i < to; i++)
        {
            dst[i] |= src[i];
        }
    }

    /// <summary>The bits both masks match (OVS's minimask_combine).</summary>
    public readonly FlowMask Intersect(in FlowMask other)
    {
        var r = default(FlowMask);
        var a = ReadOnlyWords;
        var b = other.ReadOnlyWords;
        var d = r.Words;
        for (var i = 0; i < FlowLayout.Words; i++)
        {
            d[i] = a[i] & b[i];
        }

        return r;
    }

    /// <summary>The union of two masks.</summary>
    public static FlowMask operator |(in FlowMask a, in FlowMask b)
    {
        var r = a;
        r.UnionWith(b);
        return r;
    }

    /// <summary>The intersection of two masks.</summary>
    public static FlowMask operator &(in FlowMask a, in FlowMask b) => a.Intersect(b);

    /// <summary>Named alternative for operator |.</summary>
    public static FlowMask BitwiseOr(in FlowMask a, in FlowMask b) => a | b;

    /// <summary>Named alternative for operator &amp;.</summary>
    public static FlowMask BitwiseAnd(in FlowMask a, in FlowMask b) => a & b;

    /// <summary>
    /// OVS's has_extra(a, b), with this mask as <c>a</c>: true when some bit that
    /// <paramref name="other"/> matches is wildcarded here, i.e. this mask is less specific
    /// somewhere. The revalidator deletes an installed flow when has_extra(installed, new).
    /// </summary>
    public readonly bool HasExtraBits(in FlowMask other)
    {
        var a = ReadOnlyWords;
        var b = other.ReadOnlyWords;
        ulong extra = 0;
        for (var i = 0; i < FlowLayout.Words; i++)
        {
            extra |= b[i] & ~a[i];
        }

        return extra != 0;
    }

    /// <summary>True when the mask matches some bit in the words of a stage.</summary>
    public readonly bool StageHasBits(FlowStage stage)
    {
        var starts = FlowLayout.StageStarts;
        return !FlowWordOps.IsZero(ReadOnlyWords[starts[(int)stage]..starts[(int)stage + 1]]);
    }

    /// <inheritdoc/>
    public readonly bool Equals(FlowMask other) => ReadOnlyWords.SequenceEqual(other.ReadOnlyWords);

    /// <inheritdoc/>
    public override readonly bool Equals(object? obj) => obj is FlowMask m && Equals(m);

    /// <inheritdoc/>
    public override readonly int GetHashCode() => (int)FlowWordOps.Finish(FlowWordOps.MaskedHash(ReadOnlyWords, Exact.ReadOnlyWords, 0, FlowLayout.Words, 0x5eed));

    /// <summary>Equality of all words.</summary>
    public static bool operator ==(FlowMask left, FlowMask right) => left.Equals(right);

    /// <summary>Inequality of some word.</summary>
    public static bool operator !=(FlowMask left, FlowMask right) => !left.Equals(right);

    /// <summary>A debugging rendering: every matched field as name/0xmask.</summary>
    public override readonly string ToString()
    {
        var sb = new StringBuilder();
        foreach (var f in FlowFields.All)
        {
            var v = Get(f);
            if (v != UInt128.Zero)
            {
                sb.Append(sb.Length == 0 ? "" : ",").Append(f.Name).Append("/0x").Append(v.ToString("x", CultureInfo.InvariantCulture));
            }
        }

        return sb.Length == 0 ? "*" : sb.ToString();
    }

    private static FlowMask BuildExact()
    {
        var m = default(FlowMask);
        foreach (var f in FlowFields.All)
        {
            m.Unwildcard(f);
        }

        return m;
    }
}
