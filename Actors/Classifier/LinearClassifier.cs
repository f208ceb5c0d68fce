using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Classifier;

/// <summary>
/// The reference classifier (OVS's "tcls" in tests/test-classifier.c): a list of rules scanned in
/// full for every lookup. The winner is the visible matching rule of highest priority; ties go to
/// the rule whose mask group comes first in <see cref="TupleSpaceClassifier{T}"/>'s subtable order
/// (group max priority over all rules present, descending, then <see cref="SubtableRanks"/>), so both
/// classifiers return the same rule. Its wildcard mask is the union of the masks of every visible
/// rule: sound, but far wider than a megaflow needs. Thread-safe through one lock (it is an
/// oracle, not a data path).
/// </summary>
/// <typeparam name="T">Rule payload.</typeparam>
public sealed class LinearClassifier<T> : IClassifier<T>
{
    private sealed class Group(long rank, int maxPriority)
    {
        public long Rank = rank;
        public int Count;
        public int MaxPriority = maxPriority;
    }

    private readonly object _lock = new();
    private readonly List<ClassifierRule<T>> _rules = [];
    private readonly Dictionary<FlowMask, Group> _groups = [];
    private SubtableRanks _ranks;

    /// <inheritdoc/>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _rules.Count;
            }
        }
    }

    /// <inheritdoc/>
    public void Insert(ClassifierRule<T> rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (_lock)
        {
            foreach (var r in _rules)
            {
                if (ReferenceEquals(r, rule))
                {
                    throw new InvalidOperationException("the rule is already in the classifier");
                }

                if (IsIdentical(r, rule) && r.VisibilityOverlaps(rule))
                {
                    throw new InvalidOperationException($"an identical rule is visible in the same versions: {r}");
                }
            }

            AddLocked(rule);
        }
    }

    /// <inheritdoc/>
    public ClassifierRule<T>? Replace(ClassifierRule<T> rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (_lock)
        {
            var victim = _rules.Find(r => IsIdentical(r, rule) && !r.IsRemovalScheduled);
            foreach (var r in _rules)
            {
                if (r != victim && IsIdentical(r, rule) && r.VisibilityOverlaps(rule))
                {
                    throw new InvalidOperationException($"an identical rule is visible in the same versions: {r}");
                }
            }

            if (victim is not null)
            {
                _rules[_rules.IndexOf(victim)] = rule;
                return victim;
            }

            AddLocked(rule);
            return null;
        }
    }

    /// <inheritdoc/>
    public bool Remove(ClassifierRule<T> rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (_lock)
        {
            if (!_rules.Remove(rule))
            {
                return false;
            }

            var g = _groups[rule.Match.Mask];
            if (--g.Count == 0)
            {
                _groups.Remove(rule.Match.Mask);
            }
            else
            {
                var max = int.MinValue;
                foreach (var r in _rules)
                {
                    if (r.Match.Mask == rule.Match.Mask)
                    {
                        max = Math.Max(max, r.Priority);
                    }
                }

                if (max < g.MaxPriority)
                {
                    g.MaxPriority = max;
                    g.Rank = _ranks.First();
                }
            }

            return true;
        }
    }

    /// <inheritdoc/>
    public void RemoveInVersion(ClassifierRule<T> rule, ulong version)
    {
        ArgumentNullException.ThrowIfNull(rule);
        rule.MakeInvisibleIn(version);
    }

    /// <inheritdoc/>
    public void RestoreVisibility(ClassifierRule<T> rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        rule.RestoreVisibility();
    }

    /// <inheritdoc/>
    public ClassifierRule<T>? Lookup(in FlowKey flow, ulong version)
    {
        var wc = default(FlowMask);
        return Lookup(flow, version, ref wc);
    }

    /// <inheritdoc/>
    public ClassifierRule<T>? Lookup(in FlowKey flow, ulong version, ref FlowMask wildcards)
    {
        lock (_lock)
        {
            ClassifierRule<T>? best = null;
            Group? bestGroup = null;
            foreach (var r in _rules)
            {
                if (!r.IsVisibleIn(version))
                {
                    continue;
                }

                wildcards.UnionWith(r.Match.Mask);
                if (!r.Match.Matches(flow))
                {
                    continue;
                }

                var g = _groups[r.Match.Mask];
                if (best is null || r.Priority > best.Priority
                    || (r.Priority == best.Priority && Before(g, bestGroup!)))
                {
                    best = r;
                    bestGroup = g;
                }
            }

            return best;
        }
    }

    /// <inheritdoc/>
    public ClassifierRule<T>? FindExactly(in Match match, int priority, ulong version)
    {
        lock (_lock)
        {
            foreach (var r in _rules)
            {
                if (r.Priority == priority && r.Match == match && r.IsVisibleIn(version))
                {
                    return r;
                }
            }

            return null;
        }
    }

    /// <inheritdoc/>
    public bool Overlaps(in Match match, int priority, ulong version)
    {
        lock (_lock)
        {
            foreach (var r in _rules)
            {
                if (r.Priority == priority && r.IsVisibleIn(version) && r.Match.Overlaps(match))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <inheritdoc/>
    public IEnumerable<ClassifierRule<T>> Rules(ulong? version = null, Match? target = null)
    {
        List<ClassifierRule<T>> copy;
        lock (_lock)
        {
            copy = [.. _rules];
        }

        foreach (var r in copy)
        {
            if ((version is not { } v || r.IsVisibleIn(v)) && (target is not { } t || r.Match.IsLooseMatchOf(t)))
            {
                yield return r;
            }
        }
    }

    private static bool IsIdentical(ClassifierRule<T> a, ClassifierRule<T> b) =>
        a.Priority == b.Priority && a.Match == b.Match;

    private static bool Before(Group a, Group b) =>
        a.MaxPriority > b.MaxPriority || (a.MaxPriority == b.MaxPriority && a.Rank < b.Rank);

    private void AddLocked(ClassifierRule<T> rule)
    {
        _rules.Add(rule);
        if (!_groups.TryGetValue(rule.Match.Mask, out var g))
        {
            g = new Group(_ranks.Last(), rule.Priority);
            _groups.Add(rule.Match.Mask, g);
        }
        else if (rule.Priority > g.MaxPriority)
        {
            g.MaxPriority = rule.Priority;
            g.Rank = _ranks.Last();
        }

        g.Count++;
    }
}
