using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Classifier.DecisionTree;

/// <summary>
/// Builds a HyperSplit-style tree: at each node, for every field some rule matches on, the rules'
/// ranges (clipped to the node's region) give candidate thresholds (range starts and ends + 1); the
/// cut chosen minimises the larger side's rule count, then the sum, then prefers the threshold
/// with the most trailing zero bits (an aligned threshold differs from more packets in a high
/// bit, so the cut un-wildcards fewer bits), then field order and the smaller threshold;
/// only cuts that shrink both sides below the node's count are taken.
/// A non-prefix mask is treated as its covering range [key &amp; m, key | ~m] (the leaf checks the
/// real match). Nodes with at most <c>leafSize</c> rules, or past the depth or replication budget,
/// become leaves whose rules keep the global search order.
/// </summary>
internal static class DtBuilder
{
    private const int MaxDepth = 48;

    private sealed class Context<T>(DtEntry<T>[] entries, FlowField[] dims, UInt128[][] lo, UInt128[][] hi, int leafSize, long budget)
    {
        public readonly DtEntry<T>[] Entries = entries;
        public readonly FlowField[] Dims = dims;
        public readonly UInt128[][] Lo = lo;
        public readonly UInt128[][] Hi = hi;
        public readonly int LeafSize = leafSize;
        public long Budget = budget;
        public int Nodes;
        public int Leaves;
        public int Depth;
        public long LeafEntries;
        public bool Exhausted;
    }

    /// <summary>
    /// Builds one tree; if that exhausts the replication budget (or <paramref name="alwaysPartition"/>),
    /// splits the rules EffiCuts/CutSplit-style by the two fields (weighted by width) in which most
    /// rules are specific (range narrower than half the field's bits): rules specific in the first
    /// field, then those specific in the second, then the rest, one tree each. A lookup searches
    /// every tree, each leaf up to the best rule found so far.
    /// </summary>
    public static (DtNode<T>[] Roots, DtTreeStats Stats) BuildForest<T>(DtEntry<T>[] entries, int leafSize, bool alwaysPartition)
    {
        if (entries.Length == 0)
        {
            return ([], default);
        }

        if (!alwaysPartition)
        {
            var (root, stats, exhausted) = Build(entries, leafSize);
            if (!exhausted)
            {
                return ([root], stats with { Trees = 1 });
            }
        }

        var dims = FlowFields.All.Where(f => entries.Any(e => e.Mask.Get(f) != UInt128.Zero)).ToArray();
        bool Specific(DtEntry<T> e, FlowField f) => (f.AllOnes & ~e.Mask.Get(f)) >> (f.Bits / 2) == UInt128.Zero;
        var ranked = dims
            .Select(f => (Field: f, Count: entries.Count(e => Specific(e, f))))
            .Where(x => x.Count > 0 && x.Count < entries.Length)
            .OrderByDescending(x => (long)x.Count * x.Field.Bits)
            .Take(2)
            .Select(x => x.Field)
            .ToArray();
        var parts = new List<DtEntry<T>>[ranked.Length + 1];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = [];
        }

        foreach (var e in entries)
        {
            var k = 0;
            while (k < ranked.Length && !Specific(e, ranked[k]))
            {
                k++;
            }

            parts[k].Add(e);
        }

        var roots = new List<DtNode<T>>();
        var total = default(DtTreeStats);
        foreach (var part in parts.Where(x => x.Count > 0))
        {
            var (root, st, _) = Build(part.ToArray(), leafSize);
            roots.Add(root);
            total = new DtTreeStats(total.Nodes + st.Nodes, total.Leaves + st.Leaves, Math.Max(total.MaxDepth, st.MaxDepth),
                total.LeafEntries + st.LeafEntries, total.Trees + 1);
        }

        return ([.. roots], total);
    }

    /// <summary>Builds the tree over <paramref name="entries"/>, which are in search order.</summary>
    public static (DtNode<T> Root, DtTreeStats Stats, bool Exhausted) Build<T>(DtEntry<T>[] entries, int leafSize)
    {
        var dims = FlowFields.All.Where(f => entries.Any(e => e.Mask.Get(f) != UInt128.Zero)).ToArray();
        var lo = new UInt128[entries.Length][];
        var hi = new UInt128[entries.Length][];
        for (var i = 0; i < entries.Length; i++)
        {
            lo[i] = new UInt128[dims.Length];
            hi[i] = new UInt128[dims.Length];
            var key = entries[i].Rule.Match.Key;
            for (var d = 0; d < dims.Length; d++)
            {
                var f = dims[d];
                var m = entries[i].Mask.Get(f);
                var k = key.Get(f) & m;
                lo[i][d] = k;
                hi[i][d] = k | (f.AllOnes & ~m);
            }
        }

        var ctx = new Context<T>(entries, dims, lo, hi, leafSize, (32L * entries.Length) + 8192);
        var regionLo = new UInt128[dims.Length];
        var regionHi = dims.Select(f => f.AllOnes).ToArray();
        var root = Node(ctx, [.. Enumerable.Range(0, entries.Length)], regionLo, regionHi, 0);
        return (root, new DtTreeStats(ctx.Nodes, ctx.Leaves, ctx.Depth, ctx.LeafEntries, 1), ctx.Exhausted);
    }

    private static DtNode<T> Node<T>(Context<T> ctx, int[] idx, UInt128[] rLo, UInt128[] rHi, int depth)
    {
        var n = idx.Length;
        if (n <= ctx.LeafSize || depth >= MaxDepth)
        {
            return Leaf(ctx, idx, depth);
        }

        if (ctx.Budget - n < 0)
        {
            ctx.Exhausted = true;
            return Leaf(ctx, idx, depth);
        }

        var bestDim = -1;
        var bestT = UInt128.Zero;
        var bestScore = n;
        var bestSum = int.MaxValue;
        var bestTz = -1;
        var cl = new UInt128[n];
        var ch = new UInt128[n];
        var cand = new List<UInt128>(2 * n);
        for (var d = 0; d < ctx.Dims.Length; d++)
        {
            cand.Clear();
            for (var j = 0; j < n; j++)
            {
                var l = UInt128.Max(ctx.Lo[idx[j]][d], rLo[d]);
                var h = UInt128.Min(ctx.Hi[idx[j]][d], rHi[d]);
                cl[j] = l;
                ch[j] = h;
                if (l > rLo[d])
                {
                    cand.Add(l);
                }

                if (h < rHi[d])
                {
                    cand.Add(h + UInt128.One);
                }
            }

            if (cand.Count == 0)
            {
                continue;
            }

            Array.Sort(cl);
            Array.Sort(ch);
            cand.Sort();
            var prev = UInt128.Zero;
            for (var c = 0; c < cand.Count; c++)
            {
                var t = cand[c];
                if (c > 0 && t == prev)
                {
                    continue;
                }

                prev = t;
                var left = LowerBound(cl, t);
                var right = n - LowerBound(ch, t);
                var score = Math.Max(left, right);
                var sum = left + right;
                var tz = (int)UInt128.TrailingZeroCount(t);
                if (score < bestScore || (score == bestScore && (sum < bestSum || (sum == bestSum && tz > bestTz))))
                {
                    bestScore = score;
                    bestSum = sum;
                    bestTz = tz;
                    bestDim = d;
                    bestT = t;
                }
            }
        }

        if (bestDim < 0)
        {
            return Leaf(ctx, idx, depth);
        }

        var li = new List<int>(bestScore);
        var ri = new List<int>(bestScore);
        foreach (var j in idx)
        {
            if (UInt128.Max(ctx.Lo[j][bestDim], rLo[bestDim]) < bestT)
            {
                li.Add(j);
            }

            if (UInt128.Min(ctx.Hi[j][bestDim], rHi[bestDim]) >= bestT)
            {
                ri.Add(j);
            }
        }

        ctx.Budget -= li.Count + ri.Count - n;
        ctx.Nodes++;
        var lHi = (UInt128[])rHi.Clone();
        lHi[bestDim] = bestT - UInt128.One;
        var rLo2 = (UInt128[])rLo.Clone();
        rLo2[bestDim] = bestT;
        var leftNode = Node(ctx, [.. li], rLo, lHi, depth + 1);
        var rightNode = Node(ctx, [.. ri], rLo2, rHi, depth + 1);
        return DtNode<T>.Cut(ctx.Dims[bestDim], bestT, leftNode, rightNode);
    }

    private static DtNode<T> Leaf<T>(Context<T> ctx, int[] idx, int depth)
    {
        ctx.Leaves++;
        ctx.Depth = Math.Max(ctx.Depth, depth);
        ctx.LeafEntries += idx.Length;

        // idx is ascending, and entries are in search order, so the leaf keeps that order.
        return DtNode<T>.Leaf([.. idx.Select(j => ctx.Entries[j])]);
    }

    /// <summary>The number of elements of the sorted array below <paramref name="t"/>.</summary>
    private static int LowerBound(UInt128[] sorted, UInt128 t)
    {
        int a = 0, b = sorted.Length;
        while (a < b)
        {
            var m = (a + b) >>> 1;
            if (sorted[m] < t)
            {
                a = m + 1;
            }
            else
            {
                b = m;
            }
        }

        return a;
    }
}
