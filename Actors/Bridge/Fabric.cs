using System.Collections.Frozen;
using System.Collections.Immutable;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Config;
using VSwarm.Actors.Datapath;
using VSwarm.Runtime;
using VSwarm.Runtime.Event;

namespace VSwarm.Actors.Bridge;

/// <summary>
/// The root of a simulation's bridges (<c>/user/bridges</c>): creates one complete bridge per
/// <see cref="BridgeOptions"/> of a <see cref="VSwarmOptions"/> (child <c>/user/bridges/&lt;name&gt;</c>,
/// built by <see cref="BridgeFactory"/>) and carries patch links: a bridge hands the
/// <see cref="PacketsOut"/> of a linked port (with its frames) to its parent, and the fabric delivers
/// the frames to the peer bridge as <see cref="PacketsIn"/> on the peer port.
/// </summary>
/// <remarks>
/// Deviation from OVS: OVS translates across a pair of patch ports inside one datapath (one
/// megaflow covers both bridges); VSwarm bridges are separate datapaths, possibly on other nodes,
/// so a patch link is a wire: the packet leaves one datapath and is received (and looked up, and
/// possibly upcalled) again by the peer's. There is no loop guard beyond what the rules do (a
/// rule set that floods between two linked bridges loops, as two cabled switches would).
/// Also answers <see cref="GetFabricStats"/> and forwards <see cref="ToBridge"/>. Bridges restart
/// one-for-one with their state (rules, counters) kept; megaflows come back through upcalls.
/// </remarks>
public sealed class FabricActor : ReceiveActor
{
    /// <summary>The name the fabric is usually created with.</summary>
    public const string Name = "bridges";

    private readonly FrozenDictionary<string, BridgeRuntime> _runtimes;
    private readonly FrozenDictionary<(string Bridge, int Port), (string Peer, int PeerPort)> _links;
    private readonly Dictionary<string, IActorRef> _bridges = [];
    private readonly LoggingAdapter _log;
    private long _undeliverable;

    /// <summary>Creates the actor (use <see cref="Fabric.Props"/>).</summary>
    public FabricActor(IReadOnlyDictionary<string, BridgeRuntime> runtimes)
    {
        ArgumentNullException.ThrowIfNull(runtimes);
        _runtimes = runtimes.ToFrozenDictionary();
        _links = runtimes.Values
            .SelectMany(r => r.Options.Links.Select(l => (Key: (r.Options.Name, l.Ofport), Value: (l.PeerBridge, l.PeerOfport))))
            .GroupBy(x => x.Key).ToFrozenDictionary(g => g.Key, g => g.First().Value);
        _log = Context.GetLogger();

        Receive<PacketsOut>(OnPacketsOut);
        Receive<GetFabricStats>(_ => Sender.Tell(new FabricStats(
            _runtimes.Values.OrderBy(r => r.Options.Name, StringComparer.Ordinal).Select(r => r.Snapshot()).ToImmutableArray(),
            Interlocked.Read(ref _undeliverable))));
        Receive<ToBridge>(m =>
        {
            if (_bridges.TryGetValue(m.Bridge, out var b))
            {
                b.Forward(m.Message);
            }
            else
            {
                _log.Warning("ToBridge: no bridge '{0}'", m.Bridge);
            }
        });
    }

    /// <inheritdoc/>
    protected override void PreStart()
    {
        foreach (var (name, rt) in _runtimes)
        {
            _bridges[name] = Context.ActorOf(BridgeFactory.Create(rt), name);
        }
    }

    /// <inheritdoc/>
    protected override SupervisorStrategy SupervisorStrategy() => BridgeActor.ChildStrategy;

    private void OnPacketsOut(PacketsOut m)
    {
        if (!_links.TryGetValue((m.Bridge, m.Port), out var peer) || !_bridges.TryGetValue(peer.Peer, out var target))
        {
            Interlocked.Add(ref _undeliverable, m.Packets);
            Context.System.EventStream.Publish(m);
            return;
        }

        if (m.Frames.IsDefaultOrEmpty)
        {
            return;
        }

        target.Tell(new PacketsIn([.. m.Frames.Select(f => new Packet(f, (uint)peer.PeerPort))]), Self);
    }
}

/// <summary>Builds fabrics.</summary>
public static class Fabric
{
    /// <summary>The runtimes (shared state, readable without messages) of every bridge of <paramref name="options"/>, by name.</summary>
    public static ImmutableDictionary<string, BridgeRuntime> CreateRuntimes(VSwarmOptions options, BridgeFactorySettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Bridges.ToImmutableDictionary(b => b.Name, b => BridgeFactory.CreateRuntime(new BridgeState(b), settings));
    }

    /// <summary>The Props of a fabric over runtimes made by <see cref="CreateRuntimes"/>.</summary>
    public static Props Props(IReadOnlyDictionary<string, BridgeRuntime> runtimes) =>
        Runtime.Props.Create(() => new FabricActor(runtimes));

    /// <summary>Creates <c>/user/bridges</c> with every bridge of <paramref name="options"/>.</summary>
    public static FabricHandle Start(ActorSystem system, VSwarmOptions options, BridgeFactorySettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        var runtimes = CreateRuntimes(options, settings);
        var root = system.ActorOf(Props(runtimes), FabricActor.Name);
        return new FabricHandle(root, runtimes);
    }
}

/// <summary>A started fabric: its root actor and each bridge's runtime (for reading counters without messages).</summary>
/// <param name="Root">The fabric actor (<c>/user/bridges</c>).</param>
/// <param name="Runtimes">Bridge runtimes by name.</param>
public sealed record FabricHandle(IActorRef Root, ImmutableDictionary<string, BridgeRuntime> Runtimes)
{
    /// <summary>Every bridge's counters now (no messages).</summary>
    public ImmutableArray<BridgeStats> Snapshot() =>
        [.. Runtimes.Values.OrderBy(r => r.Options.Name, StringComparer.Ordinal).Select(r => r.Snapshot())];
}

/// <summary>Asks the fabric for every bridge's counters. Reply: <see cref="FabricStats"/>.</summary>
public sealed record GetFabricStats
{
    /// <summary>The instance.</summary>
    public static GetFabricStats Instance { get; } = new();
}

/// <summary>Every bridge's counters, by name.</summary>
/// <param name="Bridges">Per bridge, ordered by name.</param>
/// <param name="Undeliverable">Packets sent out of a linked port whose peer does not exist.</param>
public sealed record FabricStats(ImmutableArray<BridgeStats> Bridges, long Undeliverable);

/// <summary>Forwards a message to one bridge of the fabric (the original sender is kept).</summary>
/// <param name="Bridge">Bridge name.</param>
/// <param name="Message">The message (PacketsIn, AddFlows, GetBridgeStats…).</param>
public sealed record ToBridge(string Bridge, object Message);
