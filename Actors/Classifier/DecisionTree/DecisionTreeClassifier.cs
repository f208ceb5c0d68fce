using System.Collections.Concurrent;
using System.Numerics;
using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Classifier.DecisionTree;

/// <summary>
/// A decision-tree classifier (HyperSplit-style: binary threshold cuts over field ranges, leaves
/// with short rule lists) behind the same interface as <see cref="TupleSpaceClassifier{T}"/>,
/// with sound megaflow wildcard tracking. See docs/classifiers.md for the algorithm, the
/// wildcard rule and measurements.
/// </summary>
/// <remarks>
/// <para><b>Structure.</b> Readers see one immutable <c>State</c>: the tree (built once, never
/// changed; a forest of one tree per rule partition when a single tree would replicate rules past
/// its budget, see <c>DtBuilder</c>) and a small sorted side table of rules inserted since the
/// tree was built. Every change publishes a new state with one reference write, so a lookup never
/// sees half a tree. A removal marks the rule's entry dead (one volatile write; lookups skip it);
/// dead tree entries are counted. When the side table plus the dead entries exceed
/// <c>max(sideTableLimit, Count/8)</c>, a rebuild starts on a background task from a snapshot of
/// the live rules (or, with <c>backgroundRebuild: false</c>, on the writer's thread); writers go
/// on using the side table meanwhile, and the new tree is published under the write lock together
/// with the side-table rules inserted since the snapshot (rules removed since are already dead).
/// At most one build runs at a time; a synchronous <see cref="Rebuild"/> supersedes it.</para>
/// <para><b>Order and ties.</b> Rules are ordered by priority (descending), then by insertion
/// sequence (the earlier insertion wins a tie); every tree leaf and the side table are scanned in
/// that order, each only up to the best rule found so far. This differs from TSS's subtable
/// order, which only matters among matching rules of equal priority.</para>
/// <para><b>Wildcards.</b> Computed once the winner is known, by <c>DtWildcards</c>: the winner's
/// match, then either only the earlier rules that overlap it (conflict mode) or the cut bits of the
/// path and the overlapping earlier rules of the leaves (tree mode); see docs/classifiers.md.</para>
/// <para><b>Concurrency.</b> One writer at a time (the mutating methods also take a private lock);
/// readers are lock-free.</para>
/// </remarks>
/// <typeparam name="T">Rule payload.</typeparam>
public sealed class DecisionTreeClassifier<T> : IClassifier<T>
{
    private readonly object _writeLock = new();
    private readonly ConcurrentDictionary<(Match Match, int Priority), DtEntry<T>[]> _identical = new();
    private readonly int _leafSize;
    private readonly int _sideTableLimit;
    private readonly int _conflictLimit;
    private readonly int _maskAlign;
    private readonly bool _background;
    private Task? _rebuild;
    private long _generation;
    private readonly bool _alwaysPartition;
    private DtState<T> _state;
    private long _nextSeq;

    /// <summary>Creates an empty classifier.</summary>
    /// <param name="leafSize">Stop cutting a node at this many rules (HyperSplit's binth).</param>
    /// <param name="sideTableLimit">Minimum side-table plus dead-entry count that triggers a rebuild.</param>
    /// <param name="alwaysPartition">Always split the rules into partitions with one tree each
    /// (otherwise only when a single tree exhausts its replication budget).</param>
    /// <param name="maskAlign">Granularity of the bits a cut or a ruled-out rule un-wildcards: the
    /// prefix down to the first deciding bit is extended down to a multiple of this many bits
    /// (1: minimal; 8 or 16: fewer distinct megaflow masks, a tuple-space-explosion mitigation,
    /// at the price of more, narrower megaflows).</param>
    /// <param name="backgroundRebuild">Rebuild on a background task (true) or on the writer's thread.</param>
    /// <param name="conflictLimit">A winner with at most this many earlier overlapping tree rules
    /// gets its megaflow from those rules alone, without the cut bits (see <c>DtWildcards</c>); 0 disables that.</param>
    public DecisionTreeClassifier(int leafSize = 8, int sideTableLimit = 64, bool alwaysPartition = false, int conflictLimit = 64,
        bool backgroundRebuild = true, int maskAlign = 1)
    {
        if (maskAlign is < 1 or > 64 || !BitOperations.IsPow2(maskAlign))
        {
            throw new ArgumentOutOfRangeException(nameof(maskAlign), maskAlign, "the mask alignment must be a power of two from 1 to 64 bits");
        }

        _maskAlign = maskAlign;
        _background = backgroundRebuild;
        ArgumentOutOfRangeException.ThrowIfLessThan(conflictLimit, 0);
        _conflictLimit = conflictLimit;
        _alwaysPartition = alwaysPartition;
        ArgumentOutOfRangeException.ThrowIfLessThan(leafSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sideTableLimit, 0);
        _leafSize = leafSize;
        _sideTableLimit = sideTableLimit;
        _state = DtState<T>.Empty;
    }

    /// <inheritdoc/>
    public int Count => Volatile.Read(ref _state).Count;

    /// <summary>Rules waiting in the side table (not yet in the tree).</summary>
    public int SideTableCount => Volatile.Read(ref _state).Side.Length;

    /// <summary>Shape of the current tree.</summary>
    public DtTreeStats TreeStats => Volatile.Read(ref _state).Stats;

    /// <summary>
    /// Runs a background rebuild's work (tests replace it to choose when the build runs; the
    /// default is <see cref="Task.Run(Action)"/>).
    /// </summary>
    internal Func<Action, Task> RebuildRunner { get; set; } = Task.Run;

    /// <summary>Rebuilds the tree from every live rule now, on the caller's thread (e.g. after a bulk load).</summary>
    public void Rebuild()
    {
        lock (_writeLock)
        {
            RebuildLocked();
        }
    }

    /// <summary>
    /// Waits until no background rebuild is running (a finished build starts the next one when the
    /// side table grew past the limit meanwhile); rethrows a failed build's exception.
    /// </summary>
    public void WaitForRebuild()
    {
        while (true)
        {
            Task? t;
            lock (_writeLock)
            {
                t = _rebuild;
            }

            if (t is null)
            {
                return;
            }

            t.GetAwaiter().GetResult();
        }
    }

    /// <inheritdoc/>
    public void Insert(ClassifierRule<T> rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (_writeLock)
        {
            CheckIdentical(rule, null);
            AddLocked(rule);
        }
    }

    /// <summary>
    /// Bulk load: inserts every rule (same checks as <see cref="Insert"/>) and builds the tree once,
    /// synchronously, instead of going through the side table rule by rule. All or nothing: on a
    /// duplicate nothing is inserted.
    /// </summary>
    public void InsertRange(IEnumerable<ClassifierRule<T>> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var list = rules.ToList();
        lock (_writeLock)
        {
            var added = new List<DtEntry<T>>(list.Count);
            try
            {
                foreach (var rule in list)
                {
                    ArgumentNullException.ThrowIfNull(rule, nameof(rules));
                    CheckIdentical(rule, null);
                    var e = new DtEntry<T>(rule, _nextSeq++);
                    UpdateIdentical(null, e);
                    added.Add(e);
                }
            }
            catch
            {
                foreach (var e in added)
                {
                    UpdateIdentical(e, null);
                }

                throw;
            }

            var st = _state;
            var entries = LiveEntries(st with { Side = [.. st.Side, .. added] });
            var (roots, stats) = DtBuilder.BuildForest(entries, _leafSize, _alwaysPartition);
            PublishLocked(entries, roots, stats, st.Count + added.Count);
        }
    }

    /// <inheritdoc/>
    public ClassifierRule<T>? Replace(ClassifierRule<T> rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (_writeLock)
        {
            DtEntry<T>? victim = null;
            if (_identical.TryGetValue((rule.Match, rule.Priority), out var same))
            {
                victim = Array.Find(same, e => !e.Rule.IsRemovalScheduled);
            }

            CheckIdentical(rule, victim);
            ChangeLocked(victim, rule);
            return victim?.Rule;
        }
    }

    /// <inheritdoc/>
    public bool Remove(ClassifierRule<T> rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (_writeLock)
        {
            if (!_identical.TryGetValue((rule.Match, rule.Priority), out var same))
            {
                return false;
            }

            var e = Array.Find(same, x => ReferenceEquals(x.Rule, rule));
            if (e is null)
            {
                return false;
            }

            RemoveLocked(e);
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
        return Search(flow, version, ref wc, track: false, out _);
    }

    /// <inheritdoc/>
    public ClassifierRule<T>? Lookup(in FlowKey flow, ulong version, ref FlowMask wildcards) =>
        Search(flow, version, ref wildcards, track: true, out _);

    /// <summary>Like <see cref="Lookup(in FlowKey, ulong, ref FlowMask)"/>; also returns the rules checked (leaves plus side table).</summary>
    public ClassifierRule<T>? Lookup(in FlowKey flow, ulong version, ref FlowMask wildcards, out int rulesChecked) =>
        Search(flow, version, ref wildcards, track: true, out rulesChecked);

    /// <inheritdoc/>
    public ClassifierRule<T>? FindExactly(in Match match, int priority, ulong version)
    {
        if (_identical.TryGetValue((match, priority), out var same))
        {
            foreach (var e in same)
            {
                if (!e.Dead && e.Rule.IsVisibleIn(version))
                {
                    return e.Rule;
                }
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public bool Overlaps(in Match match, int priority, ulong version)
    {
        foreach (var r in Rules(version))
        {
            if (r.Priority == priority && r.Match.Overlaps(match))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc/>
    public IEnumerable<ClassifierRule<T>> Rules(ulong? version = null, Match? target = null)
    {
        var st = Volatile.Read(ref _state);
        foreach (var list in new[] { st.TreeEntries, st.Side })
        {
            foreach (var e in list)
            {
                if (!e.Dead && (version is not { } v || e.Rule.IsVisibleIn(v))
                    && (target is not { } t || e.Rule.Match.IsLooseMatchOf(t)))
                {
                    yield return e.Rule;
                }
            }
        }
    }

    private ClassifierRule<T>? Search(in FlowKey flow, ulong version, ref FlowMask wildcards, bool track, out int rulesChecked)
    {
        var st = Volatile.Read(ref _state);
        var pw = flow.ReadOnlyWords;
        DtEntry<T>? best = null;
        var n = 0;
        foreach (var root in st.Roots)
        {
            Scan(Descend(root, pw), pw, version, ref best, ref n);
        }

        Scan(st.Side, pw, version, ref best, ref n);
        rulesChecked = n;
        if (track)
        {
            DtWildcards.Track(st, pw, version, best, wildcards.Words, _conflictLimit, _maskAlign);
        }

        return best?.Rule;
    }

    /// <summary>Follows the cuts from <paramref name="node"/> to the packet's leaf and returns its rules.</summary>
    internal static DtEntry<T>[] Descend(DtNode<T> node, ReadOnlySpan<ulong> pw)
    {
        while (node.Field is { } f)
        {
            node = f.Read(pw) < node.Threshold ? node.Left! : node.Right!;
        }

        return node.Rules;
    }

    /// <summary>Scans a list in search order up to the best rule so far; a match becomes the best.</summary>
    private static void Scan(DtEntry<T>[] list, ReadOnlySpan<ulong> pw, ulong version, ref DtEntry<T>? best, ref int n)
    {
        foreach (var e in list)
        {
            if (best is not null && !e.Before(best))
            {
                return;
            }

            if (e.Dead || !e.Rule.IsVisibleIn(version))
            {
                continue;
            }

            n++;
            if (e.Matches(pw))
            {
                best = e;
                return;
            }
        }
    }

    private void CheckIdentical(ClassifierRule<T> rule, DtEntry<T>? except)
    {
        if (!_identical.TryGetValue((rule.Match, rule.Priority), out var same))
        {
            return;
        }

        foreach (var e in same)
        {
            if (ReferenceEquals(e.Rule, rule))
            {
                throw new InvalidOperationException("the rule is already in the classifier");
            }

            if (e != except && e.Rule.VisibilityOverlaps(rule))
            {
                throw new InvalidOperationException($"an identical rule is visible in the same versions: {e.Rule}");
            }
        }
    }

    private void AddLocked(ClassifierRule<T> rule) => ChangeLocked(null, rule);

    private void RemoveLocked(DtEntry<T> victim) => ChangeLocked(victim, null);

    /// <summary>
    /// Removes <paramref name="victim"/> and adds <paramref name="added"/> in one published state;
    /// a tree victim is marked dead only after the state with its replacement is published, so a
    /// reader sees the old rule or the new one, never neither.
    /// </summary>
    private void ChangeLocked(DtEntry<T>? victim, ClassifierRule<T>? added)
    {
        var st = _state;
        var side = st.Side;
        var dead = st.DeadCount;
        var count = st.Count;
        var markDead = false;
        DtEntry<T>? entry = null;
        if (added is not null)
        {
            entry = new DtEntry<T>(added, _nextSeq++);
        }

        if (victim is not null)
        {
            var idx = Array.IndexOf(side, victim);
            if (idx >= 0)
            {
                side = [.. side[..idx], .. side[(idx + 1)..]];
            }
            else
            {
                dead++;
            }

            // Also a side-table victim: a background build may have taken it into its snapshot.
            markDead = true;

            count--;
        }

        if (entry is not null)
        {
            var grown = new DtEntry<T>[side.Length + 1];
            var i = 0;
            while (i < side.Length && side[i].Before(entry))
            {
                grown[i] = side[i];
                i++;
            }

            grown[i] = entry;
            Array.Copy(side, i, grown, i + 1, side.Length - i);
            side = grown;
            count++;
        }

        UpdateIdentical(victim, entry);
        Volatile.Write(ref _state, st with { Side = side, DeadCount = dead, Count = count });
        if (markDead)
        {
            victim!.Dead = true;
        }

        RebuildIfDueLocked();
    }

    /// <summary>Rebuilds (or starts a background rebuild) when side table plus dead entries exceed <c>max(sideTableLimit, Count/8)</c>.</summary>
    private void RebuildIfDueLocked()
    {
        var st = _state;
        if (st.Side.Length + st.DeadCount <= Math.Max(_sideTableLimit, st.Count / 8))
        {
            return;
        }

        if (!_background)
        {
            RebuildLocked();
            return;
        }

        if (_rebuild is not null)
        {
            return;
        }

        // Snapshot the live rules; the build runs without the lock while writers keep using the
        // side table and marking entries dead; the result is published only if no other build
        // was published since (a synchronous Rebuild wins).
        var entries = LiveEntries(st);
        var generation = _generation;
        _rebuild = RebuildRunner(() =>
        {
            DtNode<T>[]? roots = null;
            var stats = default(DtTreeStats);
            try
            {
                (roots, stats) = DtBuilder.BuildForest(entries, _leafSize, _alwaysPartition);
            }
            finally
            {
                // A failed build (its task faults) leaves the state as it was; the next change retries.
                lock (_writeLock)
                {
                    _rebuild = null;
                    if (roots is not null && generation == _generation)
                    {
                        PublishLocked(entries, roots, stats);
                        RebuildIfDueLocked();
                    }
                }
            }
        });
    }

    /// <summary>
    /// Publishes a tree built from <paramref name="entries"/> (a snapshot in search order): rules
    /// removed since the snapshot are already marked dead and counted as such; rules inserted
    /// since stay in the side table. One reference write, so a lookup sees the old state or the
    /// new one, each complete. <paramref name="count"/> is the new rule count when the same step adds rules (bulk load).
    /// </summary>
    private void PublishLocked(DtEntry<T>[] entries, DtNode<T>[] roots, DtTreeStats stats, int? count = null)
    {
        var st = _state;
        var built = new HashSet<DtEntry<T>>(entries, ReferenceEqualityComparer.Instance);
        var side = Array.FindAll(st.Side, e => !built.Contains(e));
        var dead = 0;
        foreach (var e in entries)
        {
            if (e.Dead)
            {
                dead++;
            }
        }

        _generation++;
        Volatile.Write(ref _state, new DtState<T>(roots, entries, side, dead, count ?? st.Count, stats));
    }

    private static DtEntry<T>[] LiveEntries(DtState<T> st)
    {
        var live = new List<DtEntry<T>>(st.Count);
        foreach (var e in st.TreeEntries)
        {
            if (!e.Dead)
            {
                live.Add(e);
            }
        }

        live.AddRange(st.Side);
        var entries = live.ToArray();
        Array.Sort(entries, static (a, b) => a.Before(b) ? -1 : b.Before(a) ? 1 : 0);
        return entries;
    }

    private void UpdateIdentical(DtEntry<T>? victim, DtEntry<T>? added)
    {
        if (victim is not null)
        {
            var key = (victim.Rule.Match, victim.Rule.Priority);
            var rest = Array.FindAll(_identical[key], x => x != victim);
            if (added is not null && key == (added.Rule.Match, added.Rule.Priority))
            {
                _identical[key] = [.. rest, added];
                return;
            }

            if (rest.Length == 0)
            {
                _identical.TryRemove(key, out _);
            }
            else
            {
                _identical[key] = rest;
            }
        }

        if (added is not null)
        {
            var key = (added.Rule.Match, added.Rule.Priority);
            _identical[key] = _identical.TryGetValue(key, out var same) ? [.. same, added] : [added];
        }
    }

    private void RebuildLocked()
    {
        var entries = LiveEntries(_state);
        var (roots, stats) = DtBuilder.BuildForest(entries, _leafSize, _alwaysPartition);
        PublishLocked(entries, roots, stats);
    }
}

/// <summary>Shape of a built tree.</summary>
/// <param name="Nodes">Internal nodes (cuts).</param>
/// <param name="Leaves">Leaves.</param>
/// <param name="MaxDepth">Deepest leaf.</param>
/// <param name="LeafEntries">Rule references over all leaves (rules are replicated across leaves).</param>
/// <param name="Trees">Trees searched per lookup (1, or one per rule partition).</param>
public readonly record struct DtTreeStats(int Nodes, int Leaves, int MaxDepth, long LeafEntries, int Trees);

/// <summary>What readers see; never changed after publication.</summary>
internal sealed record DtState<T>(DtNode<T>[] Roots, DtEntry<T>[] TreeEntries, DtEntry<T>[] Side, int DeadCount, int Count, DtTreeStats Stats)
{
    public static readonly DtState<T> Empty = new([], [], [], 0, 0, new DtTreeStats(0, 0, 0, 0, 0));
}

/// <summary>A tree node: a cut (field, threshold: values below go left) or a leaf with sorted rules.</summary>
internal sealed class DtNode<T>
{
    private DtNode(FlowField? field, UInt128 threshold, DtNode<T>? left, DtNode<T>? right, DtEntry<T>[] rules)
    {
        Field = field;
        Threshold = threshold;
        Left = left;
        Right = right;
        Rules = rules;
    }

    public FlowField? Field { get; }

    public UInt128 Threshold { get; }

    public DtNode<T>? Left { get; }

    public DtNode<T>? Right { get; }

    public DtEntry<T>[] Rules { get; }

    public static DtNode<T> Leaf(DtEntry<T>[] rules) => new(null, UInt128.Zero, null, null, rules);

    public static DtNode<T> Cut(FlowField field, UInt128 threshold, DtNode<T> left, DtNode<T> right) =>
        new(field, threshold, left, right, []);
}

/// <summary>A rule in the classifier: its words copied for fast matching, its tie-break sequence.</summary>
internal sealed class DtEntry<T>
{
    private readonly ulong[] _key;
    private readonly ulong[] _mask;
    private readonly int[] _words;
    private volatile bool _dead;

    public DtEntry(ClassifierRule<T> rule, long seq)
    {
        Rule = rule;
        Seq = seq;
        Mask = rule.Match.Mask;
        _key = rule.Match.Key.ReadOnlyWords.ToArray();
        _mask = Mask.ReadOnlyWords.ToArray();
        var words = new List<int>();
        for (var i = 0; i < _mask.Length; i++)
        {
            if (_mask[i] != 0)
            {
                words.Add(i);
            }
        }

        _words = [.. words];
    }

    public ClassifierRule<T> Rule { get; }

    public long Seq { get; }

    public FlowMask Mask { get; }

    public bool Dead { get => _dead; set => _dead = value; }

    /// <summary>True when this entry is searched before <paramref name="other"/>: higher priority, then earlier insertion.</summary>
    public bool Before(DtEntry<T> other) =>
        Rule.Priority > other.Rule.Priority || (Rule.Priority == other.Rule.Priority && Seq < other.Seq);

    /// <summary>Conflict list cached for one built tree (see <c>DtWildcards</c>).</summary>
    public DtConflicts<T>? Conflicts { get; set; }

    /// <summary>True when some packet matches both entries (per word: the keys agree on the common mask bits).</summary>
    public bool Overlaps(DtEntry<T> other)
    {
        foreach (var i in _words)
        {
            if (((_key[i] ^ other._key[i]) & _mask[i] & other._mask[i]) != 0)
            {
                return false;
            }
        }

        return true;
    }

    public bool Matches(ReadOnlySpan<ulong> packet)
    {
        foreach (var i in _words)
        {
            if ((packet[i] & _mask[i]) != _key[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Un-wildcards bits proving that the packet does not match: nothing if an already
    /// un-wildcarded bit proves it, else the rule's mask bits in layout order (word by word, high
    /// bit first) down to and including the first mismatching bit.
    /// </summary>
    public void RuleOut(ReadOnlySpan<ulong> packet, Span<ulong> wc, int align)
    {
        foreach (var i in _words)
        {
            if (((packet[i] ^ _key[i]) & _mask[i] & wc[i]) != 0)
            {
                return;
            }
        }

        foreach (var i in _words)
        {
            var d = (packet[i] ^ _key[i]) & _mask[i];
            if (d == 0)
            {
                wc[i] |= _mask[i];
                continue;
            }

            var h = (63 - BitOperations.LeadingZeroCount(d)) & ~(align - 1);
            wc[i] |= _mask[i] & ~((1UL << h) - 1);
            return;
        }
    }
}
