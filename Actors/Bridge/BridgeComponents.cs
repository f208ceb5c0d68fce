using VSwarm.Actors.Config;
using VSwarm.Runtime;

namespace VSwarm.Actors.Bridge;

/// <summary>
/// What a pluggable child of a bridge gets when it is created: the bridge's options and state and
/// the refs of its siblings. Datapath shards, handlers and revalidators live in groups
/// (<c>datapath/shard-i</c>, <c>handlers/handler-i</c>, <c>revalidators/revalidator-i</c>); a
/// group ref forwards <see cref="ToMember"/> and <see cref="Broadcast"/> and answers
/// <see cref="GetMembers"/>. A group that was not plugged in is <see cref="ActorRefs.Nobody"/>.
/// </summary>
/// <param name="Options">The bridge's options (shards, handlers, revalidators, limits, sFlow…).</param>
/// <param name="State">Tables (read at <c>State.Tables.Version</c>), reval_seq, ports.</param>
/// <param name="Bridge">The bridge actor.</param>
/// <param name="Classifier">The classifier (send <c>SubscribeTables</c> to it).</param>
/// <param name="Datapath">The datapath shard group.</param>
/// <param name="Handlers">The upcall handler group.</param>
/// <param name="Revalidators">The revalidator group.</param>
public sealed record BridgeContext(
    BridgeOptions Options,
    BridgeState State,
    IActorRef Bridge,
    IActorRef Classifier,
    IActorRef Datapath,
    IActorRef Handlers,
    IActorRef Revalidators);

/// <summary>
/// The actors the caller plugs into a bridge: a factory per kind, called once per member with the
/// <see cref="BridgeContext"/> and the member's index (0 ..
/// <c>Shards/Handlers/Revalidators − 1</c> of <see cref="BridgeOptions"/>). A null factory means
/// the bridge runs without that part (e.g. a flow-table-only bridge in tests). The bridge
/// supervises every member one-for-one: a crashed member restarts from its factory's Props.
/// </summary>
public sealed record BridgeComponents
{
    /// <summary>No pluggable parts: the bridge runs only its classifier.</summary>
    public static BridgeComponents None { get; } = new();

    /// <summary>Datapath shard <c>datapath/shard-i</c> (wrapping MegaflowTable + Emc + DatapathShard core).</summary>
    public Func<BridgeContext, int, Props>? Shard { get; init; }

    /// <summary>Upcall handler <c>handlers/handler-i</c> (wrapping UpcallProcessor + Xlate).</summary>
    public Func<BridgeContext, int, Props>? Handler { get; init; }

    /// <summary>Revalidator <c>revalidators/revalidator-i</c> (wrapping RevalidatorCore + FlowLimit; subscribes to the classifier).</summary>
    public Func<BridgeContext, int, Props>? Revalidator { get; init; }

    /// <summary>The sFlow agent <c>sflow</c> (created only when the bridge has sFlow collectors).</summary>
    public Func<BridgeContext, Props>? Sflow { get; init; }
}

/// <summary>Sends a message to member <paramref name="Index"/> of a group (the original sender is kept).</summary>
/// <param name="Index">Member index.</param>
/// <param name="Message">The message.</param>
public sealed record ToMember(int Index, object Message);

/// <summary>Sends a message to every member of a group (the original sender is kept).</summary>
/// <param name="Message">The message.</param>
public sealed record Broadcast(object Message);

/// <summary>Asks a group for its members. Reply: <see cref="Members"/>.</summary>
public sealed record GetMembers
{
    /// <summary>The instance.</summary>
    public static GetMembers Instance { get; } = new();
}

/// <summary>A group's members by index.</summary>
/// <param name="Refs">The members.</param>
public sealed record Members(System.Collections.Immutable.ImmutableArray<IActorRef> Refs);
