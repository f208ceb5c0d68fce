using System.Collections.Concurrent;
using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Classifier;

/// <summary>
/// OVS's classifier (lib/classifier.c) as a plain class: tuple space search with one subtable per
/// distinct mask, staged lookup with per-stage indices, classifier-wide prefix tries, per-subtable
/// ports tries, versioned rules and megaflow wildcard tracking that follows OVS 3.1's
/// un-wildcarding rules bit for bit (ovs-brief §3).
/// </summary>
/// <remarks>
/// <para><b>Subtable order and ties.</b> Subtables are searched in decreasing max priority (the
/// highest priority of any rule physically in the subtable, visible or not); among equal max
/// priorities the order is OVS 3.1's (<see cref="SubtableRanks"/>): a subtable that is new or
/// whose max priority rose comes after its equals, one whose max priority fell comes before
/// them. The search stops at the first subtable whose max priority is not above the best match
/// so far, so among matching rules of equal priority the one in the earliest subtable wins.
/// Within a subtable at most one rule can match (identical rules are visible in disjoint
/// versions). OVS documents this order as unspecified, but its megaflows depend on it; the
/// differential tests against OVS 3.1 check it, and <see cref="LinearClassifier{T}"/>
/// reproduces it.</para>
/// <para><b>Concurrency.</b> One writer (callers serialise Insert/Replace/Remove/RemoveInVersion/
/// RestoreVisibility/SetPrefixFields/Defer/Publish); any number of lock-free readers. Everything a
/// reader touches is either immutable or replaced by a single reference write after it is fully
/// built: the subtable vector (an immutable array, republished when the order changes), the
/// identical-match chains (immutable arrays), trie nodes (path-copied), the subtable and stage
/// hash tables (single-writer open addressing whose slots change by one reference or one count
/// write, grown by publishing a new array), and a rule's remove version (one 64-bit volatile
/// write). Inserts publish the rule last (tries and indices first), removals unpublish it first,
/// so a reader never misses a rule that stays visible throughout its lookup. Atomic batches use
/// versions as in OVS: add rules with a future version V and schedule removals at V, then let
/// readers move to V; a lookup runs in one version, so it sees all of a batch or none of it.
/// Removing a rule physically is the caller's job once no reader can still use a version in which
/// it was visible (OVS's RCU postponement).</para>
/// <para><b>Deferred publication.</b> Between <see cref="Defer"/> and <see cref="Publish"/> the
/// subtable vector is not republished (OVS's classifier_defer/publish): new subtables stay out of
/// lookups and priority changes do not reorder them until <see cref="Publish"/>. Use it with a
/// future version for bulk changes.</para>
/// </remarks>
/// <typeparam name="T">Rule payload.</typeparam>
public sealed class TupleSpaceClassifier<T> : IClassifier<T>
{
    /// <summary>What readers see: subtables in search order, their max priorities, the tries.</summary>
    private sealed class Vector(Subtable<T>[] subtables, int[] priorities, ClassifierTrie[] tries)
    {
        public readonly Subtable<T>[] Subtables = subtables;
        public readonly int[] Priorities = priorities;
        public readonly ClassifierTrie[] Tries = tries;
    }

    private readonly ConcurrentDictionary<FlowMask, Subtable<T>> _byMask = new();
    private readonly List<Subtable<T>> _order = [];
    private ClassifierTrie[] _tries;
    private Vector _vector;
    private SubtableRanks _ranks;
    private bool _deferred;
    private bool _dirty;

    /// <summary>
    /// Creates a classifier with prefix tries on <paramref name="prefixFields"/> (default nw_dst,
    /// nw_src) and the given trie-skip behaviour (default: exactly OVS 3.1).
    /// </summary>
    public TupleSpaceClassifier(IReadOnlyList<FlowField>? prefixFields = null, TrieSkipMode trieSkip = TrieSkipMode.Ovs31)
    {
        TrieSkip = trieSkip;
        var fields = prefixFields ?? PrefixFields.Default;
        PrefixFields.Validate(fields);
        _tries = [.. fields.Select(f => new ClassifierTrie(f))];
        _vector = new Vector([], [], _tries);
    }

    /// <inheritdoc/>
    public int Count { get; private set; }

    /// <summary>How prefix-trie skips un-wildcard bits (see <see cref="TrieSkipMode"/>).</summary>
    public TrieSkipMode TrieSkip { get; }

    /// <summary>Number of subtables (distinct masks).</summary>
    public int SubtableCount => _byMask.Count;

    /// <summary>The configured prefix fields.</summary>
    public IReadOnlyList<FlowField> PrefixFieldList => [.. _tries.Select(t => t.Field)];

    /// <summary>Subtables in search order (for tests and diagnostics).</summary>
    internal IReadOnlyList<Subtable<T>> SubtablesInOrder => Volatile.Read(ref _vector).Subtables;

    /// <summary>The classifier-wide tries (for tests).</summary>
    internal IReadOnlyList<ClassifierTrie> Tries => _tries;

    /// <summary>The subtable holding a mask, if any (for tests).</summary>
    internal Subtable<T>? SubtableFor(in FlowMask mask) => _byMask.GetValueOrDefault(mask);

    /// <summary>
    /// Reconfigures the prefix tries (OVS's classifier_set_prefix_fields): "none" is an empty list.
    /// Lookups running meanwhile do not skip on tries, which is always safe.
    /// </summary>
    public void SetPrefixFields(IReadOnlyList<FlowField> fields)
    {
        PrefixFields.Validate(fields);
        var tries = fields.Select(f => new ClassifierTrie(f)).ToArray();
        var views = new List<(Subtable<T> Sub, TrieView View)>();
        foreach (var sub in _byMask.Values)
        {
            var view = sub.BuildTrieView(tries);
            views.Add((sub, view));
            for (var j = 0; j < tries.Length; j++)
            {
                if (view.Plens[j] > 0)
                {
                    foreach (var e in sub.Table.Entries())
                    {
                        tries[j].Trie.Insert(tries[j].Value(e.Key), view.Plens[j]);
                    }
                }
            }
        }

        _tries = tries;
        PublishVector();
        foreach (var (sub, view) in views)
        {
            Volatile.Write(ref sub.TrieView, view);
        }
    }

    /// <summary>Stops republishing the subtable order until <see cref="Publish"/> (OVS's classifier_defer).</summary>
    public void Defer() => _deferred = true;

    /// <summary>Publishes the subtable order accumulated while deferred (OVS's classifier_publish).</summary>
    public void Publish()
    {
        _deferred = false;
        if (_dirty)
        {
            PublishVector();
        }
    }

    /// <inheritdoc/>
    public void Insert(ClassifierRule<T> rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var displaced = Add(rule, replace: false);
        System.Diagnostics.Debug.Assert(displaced is null, "insert never displaces");
    }

    /// <inheritdoc/>
    public ClassifierRule<T>? Replace(ClassifierRule<T> rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return Add(rule, replace: true);
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

    private ClassifierRule<T>? Add(ClassifierRule<T> rule, bool replace)
    {
        var match = rule.Match;
        var isNew = !_byMask.TryGetValue(match.Mask, out var sub);
        sub ??= new Subtable<T>(match.Mask, _ranks.Last(), _tries);
        var hash = sub.FullHash(match.Key);
        var entry = sub.FindEntry(match.Key, hash);
        if (entry is not null)
        {
            var chain = entry.Chain;
            var victim = replace
                ? Array.Find(chain, r => r.Priority == rule.Priority && !r.IsRemovalScheduled)
                : null;
            foreach (var r in chain)
            {
                if (ReferenceEquals(r, rule))
                {
                    throw new InvalidOperationException("the rule is already in the classifier");
                }

                if (r != victim && r.Priority == rule.Priority && r.VisibilityOverlaps(rule))
                {
                    throw new InvalidOperationException($"an identical rule is visible in the same versions: {r}");
                }
            }

            if (victim is not null)
            {
                // Same priority as the victim: the subtable's max priority and count are unchanged.
                entry.Chain = Array.ConvertAll(chain, r => ReferenceEquals(r, victim) ? rule : r);
                return victim;
            }

            RaiseMaxPriority(sub, rule.Priority, isNew);

            var list = new List<ClassifierRule<T>>(chain.Length + 1);
            var placed = false;
            foreach (var r in chain)
            {
                if (!placed && r.Priority < rule.Priority)
                {
                    list.Add(rule);
                    placed = true;
                }

                list.Add(r);
            }

            if (!placed)
            {
                list.Add(rule);
            }

            entry.Chain = [.. list];
        }
        else
        {
            Span<ulong> stageHashes = stackalloc ulong[FlowLayout.StageCount];
            sub.Hashes(match.Key, stageHashes, out _);
            var view = sub.TrieView;
            for (var j = 0; j < view.Tries.Length; j++)
            {
                if (view.Plens[j] > 0)
                {
                    view.Tries[j].Trie.Insert(view.Tries[j].Value(match.Key), view.Plens[j]);
                }
            }

            if (sub.PortsMaskLen > 0)
            {
                sub.PortsTrie.Insert((UInt128)(match.Key.PortsWord & sub.PortsMask) << 96, sub.PortsMaskLen);
            }

            for (var i = 0; i < sub.NIndices; i++)
            {
                sub.Indices[i].Add(stageHashes[i]);
            }

            RaiseMaxPriority(sub, rule.Priority, isNew);
            sub.Table.Add(new MatchEntry<T>(hash, match.Key, [rule]));
        }

        sub.RuleCount++;
        Count++;
        if (isNew)
        {
            _byMask[match.Mask] = sub;
            InsertOrdered(sub);
            Changed();
        }

        return null;
    }

    /// <summary>Updates max priority/count for a rule about to be added; republishes the order before the rule becomes reachable.</summary>
    private void RaiseMaxPriority(Subtable<T> sub, int priority, bool isNew)
    {
        sub.PriorityCounts[priority] = sub.PriorityCounts.GetValueOrDefault(priority) + 1;
        sub.Priorities.Add(priority);
        if (priority > sub.MaxPriority || sub.RuleCount == 0)
        {
            if (!isNew)
            {
                _order.Remove(sub);
            }

            sub.MaxPriority = priority;
            sub.MaxCount = 1;
            if (!isNew)
            {
                sub.Rank = _ranks.Last();
                InsertOrdered(sub);
                Changed();
            }
        }
        else if (priority == sub.MaxPriority)
        {
            sub.MaxCount++;
        }
    }

    /// <inheritdoc/>
    public bool Remove(ClassifierRule<T> rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var match = rule.Match;
        if (!_byMask.TryGetValue(match.Mask, out var sub))
        {
            return false;
        }

        var hash = sub.FullHash(match.Key);
        var entry = sub.FindEntry(match.Key, hash);
        if (entry is null || Array.IndexOf(entry.Chain, rule) < 0)
        {
            return false;
        }

        if (entry.Chain.Length > 1)
        {
            entry.Chain = Array.FindAll(entry.Chain, r => !ReferenceEquals(r, rule));
        }
        else
        {
            // Unpublish first, then drop the index, trie and ports-trie references.
            sub.Table.Remove(entry);
            Span<ulong> stageHashes = stackalloc ulong[FlowLayout.StageCount];
            sub.Hashes(match.Key, stageHashes, out _);
            for (var i = 0; i < sub.NIndices; i++)
            {
                sub.Indices[i].Remove(stageHashes[i]);
            }

            var view = sub.TrieView;
            for (var j = 0; j < view.Tries.Length; j++)
            {
                if (view.Plens[j] > 0)
                {
                    view.Tries[j].Trie.Remove(view.Tries[j].Value(match.Key), view.Plens[j]);
                }
            }

            if (sub.PortsMaskLen > 0)
            {
                sub.PortsTrie.Remove((UInt128)(match.Key.PortsWord & sub.PortsMask) << 96, sub.PortsMaskLen);
            }
        }

        sub.RuleCount--;
        Count--;
        if (sub.PriorityCounts[rule.Priority] == 1)
        {
            sub.PriorityCounts.Remove(rule.Priority);
            sub.Priorities.Remove(rule.Priority);
        }
        else
        {
            sub.PriorityCounts[rule.Priority]--;
        }

        if (sub.RuleCount == 0)
        {
            _byMask.TryRemove(match.Mask, out _);
            _order.Remove(sub);
            Changed();
        }
        else if (rule.Priority == sub.MaxPriority && --sub.MaxCount == 0)
        {
            // OVS rescans the subtable here; a per-priority count finds the new max directly.
            var max = sub.Priorities.Max;
            var count = sub.PriorityCounts[max];
            _order.Remove(sub);
            sub.MaxPriority = max;
            sub.MaxCount = count;
            sub.Rank = _ranks.First();
            InsertOrdered(sub);
            Changed();
        }

        return true;
    }

    private void InsertOrdered(Subtable<T> sub)
    {
        // (max priority desc, rank asc): see SubtableRanks.
        int lo = 0, hi = _order.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            var o = _order[mid];
            var before = o.MaxPriority > sub.MaxPriority || (o.MaxPriority == sub.MaxPriority && o.Rank < sub.Rank);
            if (before)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        _order.Insert(lo, sub);
    }

    private void Changed()
    {
        if (_deferred)
        {
            _dirty = true;
        }
        else
        {
            PublishVector();
        }
    }

    private void PublishVector()
    {
        _dirty = false;
        var subs = _order.ToArray();
        var pris = Array.ConvertAll(subs, s => s.MaxPriority);
        Volatile.Write(ref _vector, new Vector(subs, pris, _tries));
    }

    /// <inheritdoc/>
    public ClassifierRule<T>? Lookup(in FlowKey flow, ulong version)
    {
        var v = Volatile.Read(ref _vector);
        var subs = v.Subtables;
        var pris = v.Priorities;
        ClassifierRule<T>? hard = null;
        long hardPri = long.MinValue;
        for (var i = 0; i < subs.Length; i++)
        {
            if (pris[i] <= hardPri)
            {
                break;
            }

            var r = subs[i].FindMatch(flow, version);
            if (r is not null && r.Priority > hardPri)
            {
                hard = r;
                hardPri = r.Priority;
            }
        }

        return hard;
    }

    /// <inheritdoc/>
    public ClassifierRule<T>? Lookup(in FlowKey flow, ulong version, ref FlowMask wildcards) =>
        Lookup(flow, version, ref wildcards, out _);

    /// <summary>As <see cref="Lookup(in FlowKey, ulong, ref FlowMask)"/>, also counting the subtables searched.</summary>
    public ClassifierRule<T>? Lookup(in FlowKey flow, ulong version, ref FlowMask wildcards, out int subtablesVisited)
    {
        var v = Volatile.Read(ref _vector);
        var subs = v.Subtables;
        var pris = v.Priorities;
        var tries = v.Tries;
        var ctx = default(TrieContexts);
        ClassifierRule<T>? hard = null;
        long hardPri = long.MinValue;
        var i = 0;
        for (; i < subs.Length; i++)
        {
            if (pris[i] <= hardPri)
            {
                break;
            }

            var r = subs[i].FindMatchWc(flow, version, tries, TrieSkip, ref ctx, ref wildcards);
            if (r is not null && r.Priority > hardPri)
            {
                hard = r;
                hardPri = r.Priority;
            }
        }

        subtablesVisited = i;
        return hard;
    }

    /// <inheritdoc/>
    public ClassifierRule<T>? FindExactly(in Match match, int priority, ulong version)
    {
        if (!_byMask.TryGetValue(match.Mask, out var sub))
        {
            return null;
        }

        var entry = sub.FindEntry(match.Key, sub.FullHash(match.Key));
        if (entry is null)
        {
            return null;
        }

        foreach (var r in entry.Chain)
        {
            if (r.Priority == priority && r.IsVisibleIn(version))
            {
                return r;
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public bool Overlaps(in Match match, int priority, ulong version)
    {
        var v = Volatile.Read(ref _vector);
        for (var i = 0; i < v.Subtables.Length && v.Priorities[i] >= priority; i++)
        {
            var sub = v.Subtables[i];
            var m = match.Mask.Intersect(sub.Mask);
            foreach (var e in sub.Table.Entries())
            {
                if (!e.Key.MaskedEquals(match.Key, m))
                {
                    continue;
                }

                foreach (var r in e.Chain)
                {
                    if (r.Priority == priority && r.IsVisibleIn(version))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    /// <inheritdoc/>
    public IEnumerable<ClassifierRule<T>> Rules(ulong? version = null, Match? target = null)
    {
        foreach (var sub in Volatile.Read(ref _vector).Subtables)
        {
            if (target is { } t && sub.Mask.HasExtraBits(t.Mask))
            {
                continue; // the subtable wildcards some bit the target matches
            }

            foreach (var e in sub.Table.Entries())
            {
                if (target is { } t2 && !e.Key.MaskedEquals(t2.Key, t2.Mask))
                {
                    continue;
                }

                foreach (var r in e.Chain)
                {
                    if (version is not { } ver || r.IsVisibleIn(ver))
                    {
                        yield return r;
                    }
                }
            }
        }
    }
}
