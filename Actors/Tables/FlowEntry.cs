using VSwarm.Actors.Classifier;
using VSwarm.Messages.OpenFlow;

namespace VSwarm.Actors.Tables;

/// <summary>
/// One OpenFlow flow entry in a bridge's tables (OVS's struct rule): the rule as the user wrote
/// it, its classifier handle, and the counters that revalidators push datapath stats into
/// (n_packets, n_bytes, like `ovs-ofctl dump-flows` shows them).
/// </summary>
public sealed class FlowEntry
{
    private long _packets;
    private long _bytes;
    private long _usedMs;

    /// <summary>Creates an entry visible from <paramref name="addVersion"/>.</summary>
    public FlowEntry(OpenFlowRule rule, ulong addVersion, long createdMs = 0)
    {
        ArgumentNullException.ThrowIfNull(rule);
        Rule = rule;
        CreatedMs = createdMs;
        _usedMs = createdMs;
        Handle = new ClassifierRule<FlowEntry>(rule.Match, rule.Priority, this, addVersion);
    }

    /// <summary>The rule (table, priority, cookie, timeouts, match, actions).</summary>
    public OpenFlowRule Rule { get; }

    /// <summary>The classifier's record of this entry (versions live there).</summary>
    public ClassifierRule<FlowEntry> Handle { get; }

    /// <summary>When the entry was added (ms on the bridge's clock), for hard_timeout.</summary>
    public long CreatedMs { get; }

    /// <summary>Packets attributed to this rule.</summary>
    public long Packets => Interlocked.Read(ref _packets);

    /// <summary>Bytes attributed to this rule.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Last time a packet was attributed (ms), for idle_timeout.</summary>
    public long UsedMs => Interlocked.Read(ref _usedMs);

    /// <summary>Adds a stats delta (OVS: xlate_push_stats into rule counters).</summary>
    public void PushStats(long packets, long bytes, long usedMs)
    {
        Interlocked.Add(ref _packets, packets);
        Interlocked.Add(ref _bytes, bytes);
        long seen;
        while ((seen = Interlocked.Read(ref _usedMs)) < usedMs && Interlocked.CompareExchange(ref _usedMs, usedMs, seen) != seen)
        {
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Rule.ToString();
}
