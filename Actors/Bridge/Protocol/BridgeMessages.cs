using System.Collections.Immutable;
using VSwarm.Actors.Tables;
using VSwarm.Messages.OpenFlow;
using VSwarm.Runtime;

namespace VSwarm.Actors.Bridge.Protocol;

// ---------------------------------------------------------------- flow-mods (reply: FlowModResult)

/// <summary>
/// Applies a batch of flow-mods atomically (all or nothing, one new version). Send to the bridge
/// (forwarded) or to its classifier; the reply is a <see cref="FlowModResult"/>.
/// </summary>
/// <param name="Mods">The flow-mods, in order.</param>
public sealed record ApplyFlowMods(ImmutableArray<FlowMod> Mods)
{
    /// <summary>A batch from a sequence.</summary>
    public static ApplyFlowMods Of(params FlowMod[] mods) => new([.. mods]);
}

/// <summary>
/// <c>ovs-ofctl add-flows</c>: adds rules given as ovs-ofctl text (one per line, # comments) or
/// as parsed rules, as one atomic batch. Reply: <see cref="FlowModResult"/> (a text that does not
/// parse is a <see cref="FlowModErrorCode.ParseError"/> and nothing is added).
/// </summary>
/// <param name="Text">Flow text (add-flows file syntax), or null when <paramref name="Rules"/> is used.</param>
/// <param name="Rules">Parsed rules, or empty when <paramref name="Text"/> is used.</param>
/// <param name="CheckOverlap">Sets OFPFF_CHECK_OVERLAP on every add.</param>
public sealed record AddFlows(string? Text, ImmutableArray<OpenFlowRule> Rules, bool CheckOverlap = false)
{
    /// <summary>Rules given as ovs-ofctl text.</summary>
    public static AddFlows FromText(string text, bool checkOverlap = false) => new(text, [], checkOverlap);

    /// <summary>Parsed rules.</summary>
    public static AddFlows FromRules(IEnumerable<OpenFlowRule> rules, bool checkOverlap = false) => new(null, [.. rules], checkOverlap);
}

/// <summary><c>ovs-ofctl mod-flows [--strict]</c> with one flow text. Reply: <see cref="FlowModResult"/>.</summary>
/// <param name="Text">The flow text (match, optional cookie/table/priority, actions).</param>
/// <param name="Strict">Exact match and priority.</param>
public sealed record ModifyFlows(string Text, bool Strict = false);

/// <summary>
/// <c>ovs-ofctl del-flows [--strict]</c>: deletes the rules the filter selects (empty filter:
/// every rule of every table). Reply: <see cref="FlowModResult"/>.
/// </summary>
/// <param name="Filter">Filter text (match, cookie=V/M, table=, out_port=, priority= when strict).</param>
/// <param name="Strict">Exact match and priority.</param>
public sealed record DeleteFlows(string Filter = "", bool Strict = false);

// ---------------------------------------------------------------- queries

/// <summary><c>ovs-ofctl dump-flows</c>: the rules visible now. Reply: <see cref="FlowDump"/>.</summary>
/// <param name="Table">Only this table; null = all.</param>
public sealed record DumpFlows(byte? Table = null);

/// <summary>One dumped rule with its counters (ofputil_flow_stats).</summary>
/// <param name="Rule">The rule.</param>
/// <param name="Packets">n_packets.</param>
/// <param name="Bytes">n_bytes.</param>
/// <param name="DurationMs">Time since the rule was added (ms).</param>
/// <param name="IdleAgeMs">Time since a packet last hit it (ms).</param>
public sealed record FlowStatsEntry(OpenFlowRule Rule, long Packets, long Bytes, long DurationMs, long IdleAgeMs);

/// <summary>The answer to <see cref="DumpFlows"/>.</summary>
/// <param name="Version">The tables version dumped.</param>
/// <param name="Flows">The rules by table, then decreasing priority.</param>
/// <param name="Text">The ovs-ofctl dump-flows text, one line per rule.</param>
public sealed record FlowDump(ulong Version, ImmutableArray<FlowStatsEntry> Flows, string Text);

/// <summary>Asks for the current tables version and reval_seq. Reply: <see cref="TablesVersion"/>.</summary>
public sealed record GetTablesVersion
{
    /// <summary>The instance.</summary>
    public static GetTablesVersion Instance { get; } = new();
}

/// <summary>The current tables version and reval_seq.</summary>
/// <param name="Version">Published tables version.</param>
/// <param name="RevalSeq">The bridge's reval_seq.</param>
public sealed record TablesVersion(ulong Version, long RevalSeq);

// ---------------------------------------------------------------- revalidation notifications

/// <summary>
/// Subscribes an actor (a revalidator) to <see cref="TablesChanged"/>; it gets one at once with
/// the current state (reason <see cref="TablesChangeReason.Subscribed"/>). A terminated subscriber
/// is dropped. Subscriptions survive a classifier restart.
/// </summary>
/// <param name="Subscriber">Who gets the notifications.</param>
public sealed record SubscribeTables(IActorRef Subscriber);

/// <summary>Ends a <see cref="SubscribeTables"/> subscription.</summary>
/// <param name="Subscriber">The subscriber.</param>
public sealed record UnsubscribeTables(IActorRef Subscriber);

/// <summary>Why reval_seq moved.</summary>
public enum TablesChangeReason
{
    /// <summary>Not a change: the state at subscription time.</summary>
    Subscribed,

    /// <summary>A flow-mod batch changed the tables (OVS REV_FLOW_TABLE).</summary>
    FlowMod,

    /// <summary>Rules expired (idle or hard timeout; also REV_FLOW_TABLE in OVS).</summary>
    Expiry,

    /// <summary>Something else asked for revalidation (<see cref="RequestRevalidation"/>: reconfigure, port toggled…).</summary>
    Other,
}

/// <summary>
/// Tells subscribers that the tables (or something translation depends on) changed: the
/// published <paramref name="Version"/> to translate at and the new reval_seq (ovs-brief §6.1).
/// </summary>
/// <param name="Version">The published tables version.</param>
/// <param name="RevalSeq">The bridge's reval_seq after the change.</param>
/// <param name="Reason">Why.</param>
public sealed record TablesChanged(ulong Version, long RevalSeq, TablesChangeReason Reason);

/// <summary>Bumps reval_seq without a table change (OVS: RECONFIGURE, PORT_TOGGLED, MAC_LEARNING…); subscribers get <see cref="TablesChanged"/>.</summary>
/// <param name="Reason">Free text for the log.</param>
public sealed record RequestRevalidation(string Reason);

// ---------------------------------------------------------------- ports

/// <summary>Asks for the bridge's ports. Reply: <see cref="Ports"/>.</summary>
public sealed record GetPorts
{
    /// <summary>The instance.</summary>
    public static GetPorts Instance { get; } = new();
}

/// <summary>One port and its counters.</summary>
/// <param name="Name">Port name.</param>
/// <param name="Ofport">OpenFlow port number.</param>
/// <param name="Ifindex">Datapath ifindex.</param>
/// <param name="Counters">rx/tx/drop counters.</param>
/// <param name="PeerBridge">For a patch port: the peer bridge; otherwise null.</param>
/// <param name="PeerOfport">For a patch port: the peer's ofport.</param>
public sealed record PortStatus(string Name, int Ofport, int Ifindex, PortCounters Counters, string? PeerBridge = null, int PeerOfport = 0);

/// <summary>Port counters (or a delta of them).</summary>
/// <param name="RxPackets">Received packets.</param>
/// <param name="RxBytes">Received bytes.</param>
/// <param name="TxPackets">Transmitted packets.</param>
/// <param name="TxBytes">Transmitted bytes.</param>
/// <param name="Drops">Dropped packets.</param>
public sealed record PortCounters(long RxPackets = 0, long RxBytes = 0, long TxPackets = 0, long TxBytes = 0, long Drops = 0)
{
    /// <summary>All zero.</summary>
    public static PortCounters Zero { get; } = new();

    /// <summary>The sum of two counter sets.</summary>
    public PortCounters Add(PortCounters d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new(RxPackets + d.RxPackets, RxBytes + d.RxBytes, TxPackets + d.TxPackets, TxBytes + d.TxBytes, Drops + d.Drops);
    }
}

/// <summary>The answer to <see cref="GetPorts"/>, by ofport.</summary>
/// <param name="Items">The ports.</param>
public sealed record Ports(ImmutableArray<PortStatus> Items);

/// <summary>A counters delta for one port (sent by datapath shards). Unknown ports are ignored and logged.</summary>
/// <param name="Ofport">The port.</param>
/// <param name="Delta">What to add.</param>
public sealed record PortStats(int Ofport, PortCounters Delta);

// ---------------------------------------------------------------- fault injection

/// <summary>
/// Fault injection (tests and fault scenarios): the named child of the bridge (e.g.
/// <c>classifier</c>) throws an <see cref="InjectedFailureException"/> while handling it, so its
/// supervisor's strategy applies.
/// </summary>
/// <param name="Child">The child's name (<c>classifier</c>).</param>
/// <param name="Reason">The exception message.</param>
public sealed record InjectFailure(string Child, string Reason);

/// <summary>The exception <see cref="InjectFailure"/> raises.</summary>
public sealed class InjectedFailureException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InjectedFailureException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public InjectedFailureException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public InjectedFailureException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
