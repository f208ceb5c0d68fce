using System.Collections.Immutable;
using VSwarm.Actors.Datapath;
using VSwarm.Actors.Revalidator;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;

namespace VSwarm.Actors.Bridge.Protocol;

// Messages of the datapath side of a bridge: packets in and out, statistics, datapath dumps.
// The dpif operations themselves (upcalls, flow put/del/get/dump, execute) travel as the
// Messages/Dpif records between shards, handlers and revalidators.

/// <summary>
/// A batch of packets arriving on the bridge's ports (ingress). Send it to the bridge: it spreads
/// the packets over its shards by a hash of the 5-tuple (like RSS to PMD threads) in batches of
/// at most 32. No reply.
/// </summary>
/// <param name="Packets">Frames with their ingress OpenFlow port.</param>
public sealed record PacketsIn(ImmutableArray<Packet> Packets);

/// <summary>
/// Packets a bridge sent out of one of its ports that is linked to another bridge (a patch
/// link): the bridge delivers them to the peer as <see cref="PacketsIn"/> on the peer port.
/// Also published on the EventStream for ports that lead nowhere, so a simulation can count
/// what left the fabric.
/// </summary>
/// <param name="Bridge">Name of the sending bridge.</param>
/// <param name="Port">The OpenFlow port the packets left through.</param>
/// <param name="Packets">Number of packets.</param>
/// <param name="Bytes">Number of bytes.</param>
/// <param name="Frames">The frames themselves (set by shards for patch ports, so the peer bridge can receive them; default otherwise).</param>
public sealed record PacketsOut(string Bridge, int Port, long Packets, long Bytes, ImmutableArray<byte[]> Frames = default);

/// <summary>Asks a bridge for its counters. Reply: <see cref="BridgeStats"/>.</summary>
public sealed record GetBridgeStats
{
    /// <summary>The instance.</summary>
    public static GetBridgeStats Instance { get; } = new();
}

/// <summary>
/// A bridge's counters, like <c>ovs-appctl dpctl/show</c> plus <c>upcall/show</c>: summed over its
/// shards, handlers and revalidators.
/// </summary>
/// <param name="Bridge">Bridge name.</param>
/// <param name="Packets">Packets received by the shards.</param>
/// <param name="EmcHits">Packets that hit the exact-match cache.</param>
/// <param name="MegaflowHits">Packets that hit the megaflow table (not counting EMC hits).</param>
/// <param name="Missed">Packets that missed and went up as MISS upcalls (n_missed).</param>
/// <param name="Lost">Upcalls dropped because a queue was full (n_lost), including mailbox overflow.</param>
/// <param name="Flows">Megaflows installed now (all shards).</param>
/// <param name="Masks">Distinct megaflow masks now (summed over shards).</param>
/// <param name="FlowLimit">The dynamic flow limit.</param>
/// <param name="Installed">Megaflows the handlers installed.</param>
/// <param name="Duplicates">Upcalls whose ukey already existed (executed, not installed).</param>
/// <param name="OverLimit">Upcalls executed but not installed because of the flow limit.</param>
/// <param name="RevalidationRounds">Revalidation rounds completed.</param>
/// <param name="Deleted">Megaflows deleted by revalidators, by OVS reason name (flow_idle, flow_wildcarded…).</param>
/// <param name="Modified">Megaflows whose actions revalidation changed.</param>
public sealed record BridgeStats(
    string Bridge,
    long Packets,
    long EmcHits,
    long MegaflowHits,
    long Missed,
    long Lost,
    long Flows,
    long Masks,
    long FlowLimit,
    long Installed,
    long Duplicates,
    long OverLimit,
    long RevalidationRounds,
    ImmutableDictionary<string, long> Deleted,
    long Modified);

/// <summary>Asks a bridge for its datapath flows in ODP syntax. Reply: <see cref="DatapathFlowsDump"/>.</summary>
public sealed record DumpDatapathFlows
{
    /// <summary>The instance.</summary>
    public static DumpDatapathFlows Instance { get; } = new();
}

/// <summary>
/// Each shard's megaflows as <c>ovs-appctl dpctl/dump-flows</c> prints them
/// (<c>recirc_id(0),in_port(1),…, packets:N, bytes:N, used:X.XXXs, actions:…</c>).
/// </summary>
/// <param name="Bridge">Bridge name.</param>
/// <param name="Shards">Per shard index, its dump lines.</param>
/// <param name="Flows">Per shard index, its flows (same order as the lines; for checkers and tools).</param>
public sealed record DatapathFlowsDump(string Bridge, ImmutableArray<ImmutableArray<string>> Shards,
    ImmutableArray<ImmutableArray<DatapathFlow>> Flows = default);

// ---------------------------------------------------------------- between a bridge's own actors

/// <summary>
/// Several dpif operations for one shard, answered by one <see cref="DpifBatchReply"/> with the
/// same <paramref name="Id"/> (dpif_operate). A <see cref="DpifFlowDumpRequest"/> op is answered by
/// a <see cref="DpifFlowDumpBatch"/>, every other op by a <see cref="DpifReply"/>. Shards also
/// answer single dpif messages (put/del/get/execute → <see cref="DpifReply"/>, dump request →
/// <see cref="DpifFlowDumpBatch"/>) to the sender.
/// </summary>
/// <param name="Id">Correlation id chosen by the sender.</param>
/// <param name="Ops">The operations, in order.</param>
public sealed record DpifBatch(long Id, ImmutableArray<DpifMessage> Ops);

/// <summary>The replies to a <see cref="DpifBatch"/>, aligned with its ops.</summary>
/// <param name="Id">The batch's id.</param>
/// <param name="Shard">The answering shard's index.</param>
/// <param name="Replies">One reply per op.</param>
public sealed record DpifBatchReply(long Id, int Shard, ImmutableArray<DpifMessage> Replies);

/// <summary>MISS upcalls a shard sends to a handler (the handler answers with a <see cref="DpifBatch"/> to the sender).</summary>
/// <param name="Shard">The originating shard's index.</param>
/// <param name="Upcalls">The upcalls.</param>
public sealed record UpcallsIn(int Shard, ImmutableArray<DpifUpcall> Upcalls);

/// <summary>Asks a shard for its flows. Reply: <see cref="ShardFlows"/>.</summary>
public sealed record DumpShardFlows
{
    /// <summary>The instance.</summary>
    public static DumpShardFlows Instance { get; } = new();
}

/// <summary>A shard's flows and their dump-flows lines.</summary>
/// <param name="Shard">Shard index.</param>
/// <param name="Flows">The flows.</param>
/// <param name="Lines">OdpFormatter lines, aligned with <paramref name="Flows"/>.</param>
public sealed record ShardFlows(int Shard, ImmutableArray<DatapathFlow> Flows, ImmutableArray<string> Lines);

/// <summary>
/// Asks a bridge (forwarded to its leading revalidator) for a revalidation round now, without
/// waiting for the timer (after the running one, if any). The sender gets a
/// <see cref="RevalidationRoundCompleted"/> when a round that started after the request ended
/// (every round's end is also published on the EventStream).
/// </summary>
public sealed record RevalidateNow
{
    /// <summary>The instance.</summary>
    public static RevalidateNow Instance { get; } = new();
}

/// <summary>Published on the EventStream by the leading revalidator after every round.</summary>
/// <param name="Bridge">Bridge name.</param>
/// <param name="Round">Rounds completed so far (1 for the first).</param>
/// <param name="Result">Duration, flows at start, the new flow limit, next start.</param>
public sealed record RevalidationRoundCompleted(string Bridge, long Round, RoundResult Result);

