namespace VSwarm.Actors.Classifier.DecisionTree;

/// <summary>
/// A winner's conflict list for one built tree: the tree rules searched before it whose matches
/// overlap its match (null when there are more than the limit).
/// </summary>
/// <param name="Tree">The tree entries the list was computed against (a rebuild makes it stale).</param>
/// <param name="List">The conflicting rules in search order, or null for "too many".</param>
internal sealed record DtConflicts<T>(DtEntry<T>[] Tree, DtEntry<T>[]? List);

/// <summary>
/// The megaflow mask of a decision-tree lookup, computed after the winner is known. Every step
/// depends only on the winner and on packet bits already in the mask, so any packet equal to this
/// one on the final mask gets the same winner and the same mask (sound, hence disjoint megaflows).
/// </summary>
/// <remarks>
/// <para>First the winner's whole match. A rule that does not overlap the winner's match needs no
/// bits: every packet of the megaflow lies inside the winner's match, so it cannot match that rule.</para>
/// <para><b>Conflict mode</b> (the winner is a tree rule with at most <c>limit</c> earlier
/// overlapping tree rules): only those rules, and the earlier overlapping side-table rules, are
/// ruled out; the cuts add nothing. Every rule that could beat the winner inside its match is
/// proven not to match, so the path does not matter.</para>
/// <para><b>Tree mode</b> (otherwise, and on a miss): each cut on the path adds the packet's bits
/// of its field from the top down to the first bit that differs from the threshold; then each
/// visible rule searched before the winner in the path's leaves and the side table that overlaps
/// the winner is ruled out.</para>
/// <para>With an alignment above 1, each prefix (cut or rule-out) extends down to the next
/// multiple of the alignment below its deciding bit; that depends only on the deciding bit, which
/// is in the mask, so soundness is kept.</para>
/// <para>Which mode applies depends only on the winner (and the tree), never on the packet, so
/// the two modes never mix within one megaflow.</para>
/// </remarks>
internal static class DtWildcards
{
    public static void Track<T>(DtState<T> st, ReadOnlySpan<ulong> pw, ulong version, DtEntry<T>? best, Span<ulong> wc, int limit, int align)
    {
        if (best is not null)
        {
            var m = best.Mask.ReadOnlyWords;
            for (var i = 0; i < m.Length; i++)
            {
                wc[i] |= m[i];
            }

            if (ConflictsOf(st, best, limit) is { } conflicts)
            {
                foreach (var e in conflicts)
                {
                    if (!e.Dead && e.Rule.IsVisibleIn(version))
                    {
                        e.RuleOut(pw, wc, align);
                    }
                }

                RuleOutList(st.Side, pw, version, best, wc, align);
                return;
            }
        }

        foreach (var root in st.Roots)
        {
            var node = root;
            while (node.Field is { } f)
            {
                var v = f.Read(pw);
                var t = node.Threshold;
                var diff = v ^ t;
                var bits = diff == UInt128.Zero
                    ? f.AllOnes
                    : f.AllOnes & ~((UInt128.One << ((127 - (int)UInt128.LeadingZeroCount(diff)) & ~(align - 1))) - UInt128.One);
                f.Write(wc, f.Read(wc) | bits);
                node = v < t ? node.Left! : node.Right!;
            }
        }

        foreach (var root in st.Roots)
        {
            RuleOutList(DecisionTreeClassifier<T>.Descend(root, pw), pw, version, best, wc, align);
        }

        RuleOutList(st.Side, pw, version, best, wc, align);
    }

    /// <summary>Rules out every visible entry of a search-ordered list that precedes and overlaps <paramref name="best"/> (all of them on a miss).</summary>
    private static void RuleOutList<T>(DtEntry<T>[] list, ReadOnlySpan<ulong> pw, ulong version, DtEntry<T>? best, Span<ulong> wc, int align)
    {
        foreach (var e in list)
        {
            if (best is not null && !e.Before(best))
            {
                return;
            }

            if (e.Dead || !e.Rule.IsVisibleIn(version) || (best is not null && !e.Overlaps(best)))
            {
                continue;
            }

            e.RuleOut(pw, wc, align);
        }
    }

    /// <summary>
    /// The tree rules before <paramref name="w"/> that overlap it, computed once per built tree and
    /// cached on the entry (a racing reader computes the same list); null when <paramref name="w"/>
    /// is not a tree rule or has more than <paramref name="limit"/> of them.
    /// </summary>
    private static DtEntry<T>[]? ConflictsOf<T>(DtState<T> st, DtEntry<T> w, int limit)
    {
        if (limit == 0)
        {
            return null;
        }

        var c = w.Conflicts;
        if (c is not null && ReferenceEquals(c.Tree, st.TreeEntries))
        {
            return c.List;
        }

        var tree = st.TreeEntries;
        int a = 0, b = tree.Length;
        while (a < b)
        {
            var mid = (a + b) >>> 1;
            if (tree[mid].Before(w))
            {
                a = mid + 1;
            }
            else
            {
                b = mid;
            }
        }

        DtEntry<T>[]? list = null;
        if (a < tree.Length && ReferenceEquals(tree[a], w))
        {
            var found = new List<DtEntry<T>>();
            for (var j = 0; j < a && found.Count <= limit; j++)
            {
                if (tree[j].Overlaps(w))
                {
                    found.Add(tree[j]);
                }
            }

            list = found.Count <= limit ? [.. found] : null;
        }

        w.Conflicts = new DtConflicts<T>(tree, list);
        return list;
    }
}
