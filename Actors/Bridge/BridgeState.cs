using System.Collections.Immutable;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Classifier;
using VSwarm.Actors.Config;
using VSwarm.Actors.Tables;
using VSwarm.Runtime;

namespace VSwarm.Actors.Bridge;

/// <summary>
/// What a bridge keeps across restarts of its actors (OVS keeps the rules in ofproto, not in a
/// thread): the OpenFlow tables and their writer, reval_seq, the table subscribers and the ports.
/// <see cref="BridgeProps.Create"/> makes one per bridge and hands it to the bridge and its
/// classifier, so a crashed classifier restarts with every rule, counter and subscriber intact.
/// Mutated only by the bridge's actors, one message at a time (the classifier for tables,
/// reval_seq and subscribers; the bridge for ports); <see cref="RevalSeq"/> and the tables'
/// version may be read from any thread.
/// </summary>
public sealed class BridgeState
{
    private readonly HashSet<IActorRef> _subscribers = [];
    private long _revalSeq;

    /// <summary>Creates the state of one bridge from its options.</summary>
    public BridgeState(BridgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Tables = new OpenFlowTables(
            PrefixFields.Parse(options.Prefixes),
            classifierFactory: options.Classifier == "dt" ? () => new Classifier.DecisionTree.DecisionTreeClassifier<FlowEntry>() : null);
        FlowMods = new FlowModProcessor(Tables);
        Ports = new PortTable(options);
    }

    /// <summary>The bridge's options.</summary>
    public BridgeOptions Options { get; }

    /// <summary>The OpenFlow tables (readers: translation at <see cref="OpenFlowTables.Version"/>).</summary>
    public OpenFlowTables Tables { get; }

    /// <summary>The tables' single writer (used by the classifier actor only).</summary>
    public FlowModProcessor FlowMods { get; }

    /// <summary>The ports and their counters.</summary>
    public PortTable Ports { get; }

    /// <summary>OVS's udpif reval_seq: moves whenever translation results may have changed.</summary>
    public long RevalSeq => Interlocked.Read(ref _revalSeq);

    /// <summary>The version that was current at the classifier's previous expiry tick (for garbage collection).</summary>
    public ulong VersionAtLastTick { get; set; }

    /// <summary>The table subscribers (revalidators).</summary>
    public IReadOnlyCollection<IActorRef> Subscribers => _subscribers;

    /// <summary>Bumps reval_seq and returns the new value.</summary>
    public long BumpRevalSeq() => Interlocked.Increment(ref _revalSeq);

    /// <summary>Adds a subscriber; false when already subscribed.</summary>
    public bool Subscribe(IActorRef subscriber) => _subscribers.Add(subscriber);

    /// <summary>Removes a subscriber; false when it was not subscribed.</summary>
    public bool Unsubscribe(IActorRef subscriber) => _subscribers.Remove(subscriber);

    /// <summary>The bridge clock in ms (the scheduler's monotonic clock: virtual in tests). Revalidators push <see cref="FlowEntry.UsedMs"/> on the same clock.</summary>
    public static long NowMs(IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        return (long)scheduler.MonotonicClock.TotalMilliseconds;
    }
}

/// <summary>A bridge's ports (from <see cref="BridgeOptions.Ports"/> and links) with rx/tx/drop counters.</summary>
public sealed class PortTable
{
    private readonly SortedDictionary<int, PortStatus> _ports = [];

    /// <summary>Creates the table from the options.</summary>
    public PortTable(BridgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var p in options.Ports)
        {
            var link = options.Links.FirstOrDefault(l => l.Ofport == p.Ofport);
            var name = string.IsNullOrEmpty(p.Name) ? $"{options.Name}-p{p.Ofport}" : p.Name;
            _ports[p.Ofport] = new PortStatus(name, p.Ofport, p.Ifindex, PortCounters.Zero, link?.PeerBridge, link?.PeerOfport ?? 0);
        }
    }

    /// <summary>Number of ports.</summary>
    public int Count => _ports.Count;

    /// <summary>The port with that ofport, or null.</summary>
    public PortStatus? Find(int ofport) => _ports.GetValueOrDefault(ofport);

    /// <summary>The port with that datapath ifindex, or null.</summary>
    public PortStatus? FindByIfindex(int ifindex) => _ports.Values.FirstOrDefault(p => p.Ifindex == ifindex);

    /// <summary>Adds a counters delta; false for an unknown port.</summary>
    public bool Add(int ofport, PortCounters delta)
    {
        if (!_ports.TryGetValue(ofport, out var p))
        {
            return false;
        }

        _ports[ofport] = p with { Counters = p.Counters.Add(delta) };
        return true;
    }

    /// <summary>All ports by ofport.</summary>
    public ImmutableArray<PortStatus> Snapshot() => [.. _ports.Values];
}
