using VSwarm.Actors.Classifier;
using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Tables;

/// <summary>
/// A bridge's OpenFlow tables 0..254, one versioned <see cref="TupleSpaceClassifier{T}"/> each
/// (or another <see cref="IClassifier{T}"/> from a factory, e.g. the decision tree),
/// as OVS's ofproto keeps them. One writer (the bridge's classifier actor) adds entries at
/// <c>Version + 1</c>, schedules removals at <c>Version + 1</c>, then calls
/// <see cref="Publish"/>: readers (translation in handlers and revalidators) look up at the
/// version they read once, so a batch of changes becomes visible all at once and readers never
/// block the writer (OVS's versioned classifier, ovs-brief §2.3).
/// </summary>
public sealed class OpenFlowTables
{
    /// <summary>Number of tables (OpenFlow table ids 0..254).</summary>
    public const int TableCount = 255;

    private readonly IClassifier<FlowEntry>?[] _tables = new IClassifier<FlowEntry>?[TableCount];
    private readonly IReadOnlyList<FlowField> _prefixes;
    private readonly TrieSkipMode _trieSkip;
    private readonly Func<IClassifier<FlowEntry>>? _factory;
    private ulong _version;

    /// <summary>
    /// Creates empty tables with the given prefix-trie fields (default nw_dst, nw_src); with
    /// <paramref name="classifierFactory"/>, each table's classifier comes from it instead of
    /// being a tuple space classifier (the prefix fields and trie mode then do not apply).
    /// </summary>
    public OpenFlowTables(IReadOnlyList<FlowField>? prefixes = null, TrieSkipMode trieSkip = TrieSkipMode.Ovs31,
        Func<IClassifier<FlowEntry>>? classifierFactory = null)
    {
        _prefixes = prefixes ?? PrefixFields.Default;
        PrefixFields.Validate(_prefixes);
        _trieSkip = trieSkip;
        _factory = classifierFactory;
    }

    /// <summary>The version readers should look up in (the last published one).</summary>
    public ulong Version => Volatile.Read(ref _version);

    /// <summary>The version the writer's pending changes will become visible in.</summary>
    public ulong NextVersion => Version + 1;

    /// <summary>The classifier of a table, or null when the table never had a rule.</summary>
    public IClassifier<FlowEntry>? Table(byte table) => Volatile.Read(ref _tables[table]);

    /// <summary>
    /// Looks a flow up in one table at a version, OR-ing into <paramref name="wildcards"/> the bits
    /// that decided the answer. An absent table misses without un-wildcarding anything.
    /// </summary>
    public FlowEntry? Lookup(byte table, in FlowKey flow, ulong version, ref FlowMask wildcards) =>
        Table(table)?.Lookup(flow, version, ref wildcards)?.Payload;

    /// <summary>Adds an entry (writer only); it becomes visible at its add version.</summary>
    public void Insert(FlowEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        TableForWrite(entry.Rule.Table).Insert(entry.Handle);
    }

    /// <summary>Schedules an entry's removal at <paramref name="version"/> (writer only).</summary>
    public void RemoveInVersion(FlowEntry entry, ulong version)
    {
        ArgumentNullException.ThrowIfNull(entry);
        TableForWrite(entry.Rule.Table).RemoveInVersion(entry.Handle, version);
    }

    /// <summary>
    /// Physically removes an entry (writer only), once no reader can still use a version in which
    /// it was visible.
    /// </summary>
    public bool Remove(FlowEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Table(entry.Rule.Table)?.Remove(entry.Handle) ?? false;
    }

    /// <summary>Makes the pending changes visible: readers move to <see cref="NextVersion"/>.</summary>
    public ulong Publish() => Interlocked.Increment(ref _version);

    /// <summary>Entries of one table or of all tables, optionally only those visible in a version.</summary>
    public IEnumerable<FlowEntry> Entries(byte? table = null, ulong? version = null)
    {
        for (var t = 0; t < TableCount; t++)
        {
            if (table is { } only && only != t)
            {
                continue;
            }

            if (Table((byte)t) is { } cls)
            {
                foreach (var r in cls.Rules(version))
                {
                    yield return r.Payload;
                }
            }
        }
    }

    private IClassifier<FlowEntry> TableForWrite(byte table)
    {
        var cls = _tables[table];
        if (cls is null)
        {
            cls = _factory?.Invoke() ?? new TupleSpaceClassifier<FlowEntry>(_prefixes, _trieSkip);
            Volatile.Write(ref _tables[table], cls);
        }

        return cls;
    }
}
