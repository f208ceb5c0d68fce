using VSwarm.Actors.Bridge.Protocol;
using System.Collections.Immutable;
using VSwarm.Actors.Config;
using VSwarm.Actors.Datapath;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Packets;
using VSwarm.Runtime;
using VSwarm.Runtime.Event;

namespace VSwarm.Actors.Bridge;

/// <summary>
/// The supervisor of one bridge (<c>/user/bridges/&lt;name&gt;</c> or wherever it is created):
/// creates <c>classifier</c>, and the plugged-in groups <c>datapath</c> (shards),
/// <c>handlers</c>, <c>revalidators</c> and the <c>sflow</c> agent from
/// <see cref="BridgeComponents"/>; keeps the port table; forwards flow-table messages to the
/// classifier (the reply comes straight from it). Children restart one-for-one (at most 10
/// times a minute, then stop); the runtime logs each failure with the child's path. The rules
/// live in <see cref="BridgeState"/>, not in the classifier, so a restart loses none.
/// </summary>
public sealed class BridgeActor : ReceiveActor
{
    /// <summary>The classifier child's name.</summary>
    public const string ClassifierName = "classifier";

    private readonly BridgeState _state;
    private readonly BridgeComponents _components;
    private readonly ClassifierSettings _classifierSettings;
    private readonly LoggingAdapter _log;
    private readonly BridgeRuntime? _runtime;
    private IActorRef _classifier = ActorRefs.Nobody;
    private IActorRef _datapath = ActorRefs.Nobody;
    private IActorRef _revalidators = ActorRefs.Nobody;
    private long _dumps;

    /// <summary>Creates the actor (use <see cref="BridgeProps.Create"/>).</summary>
    public BridgeActor(BridgeState state, BridgeComponents components, ClassifierSettings classifierSettings)
        : this(state, components, classifierSettings, null)
    {
    }

    /// <summary>Creates the actor of a complete bridge (use <see cref="BridgeFactory.Create(BridgeOptions, BridgeFactorySettings?)"/>).</summary>
    public BridgeActor(BridgeState state, BridgeComponents components, ClassifierSettings classifierSettings, BridgeRuntime? runtime)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(components);
        ArgumentNullException.ThrowIfNull(classifierSettings);
        _state = state;
        _components = components;
        _classifierSettings = classifierSettings;
        _log = Context.GetLogger();
        _runtime = runtime;

        Receive<PacketsIn>(OnPacketsIn);
        Receive<PacketsOut>(OnPacketsOut);
        Receive<GetBridgeStats>(_ => Sender.Tell(_runtime?.Snapshot() ?? EmptyStats()));
        Receive<DumpDatapathFlows>(_ => OnDumpDatapathFlows());
        Receive<Sflow.GetSflowAgentStats>(m =>
        {
            var agent = Context.Child("sflow");
            if (agent.IsNobody())
            {
                Sender.Tell(new Sflow.SflowAgentStats([], 0, 0, 0));
            }
            else
            {
                agent.Forward(m);
            }
        });
        Receive<RevalidateNow>(m => _revalidators.Tell(new ToMember(0, m), Sender));
        Receive<ApplyFlowMods>(m => _classifier.Forward(m));
        Receive<AddFlows>(m => _classifier.Forward(m));
        Receive<ModifyFlows>(m => _classifier.Forward(m));
        Receive<DeleteFlows>(m => _classifier.Forward(m));
        Receive<DumpFlows>(m => _classifier.Forward(m));
        Receive<GetTablesVersion>(m => _classifier.Forward(m));
        Receive<SubscribeTables>(m => _classifier.Forward(m));
        Receive<UnsubscribeTables>(m => _classifier.Forward(m));
        Receive<RequestRevalidation>(m => _classifier.Forward(m));
        Receive<GetPorts>(_ => Sender.Tell(new Ports(_state.Ports.Snapshot())));
        Receive<PortStats>(m =>
        {
            if (!_state.Ports.Add(m.Ofport, m.Delta))
            {
                _log.Warning("stats for unknown port {0} of bridge {1}", m.Ofport, _state.Options.Name);
            }
        });
        Receive<InjectFailure>(m =>
        {
            // "classifier", "datapath" (a group), or a member: "datapath/shard-0", "handlers/handler-1"…
            var slash = m.Child.IndexOf('/', StringComparison.Ordinal);
            var dash = m.Child.LastIndexOf('-');
            if (slash > 0 && dash > slash && int.TryParse(m.Child.AsSpan(dash + 1), out var member))
            {
                var group = Context.Child(m.Child[..slash]);
                if (!group.Equals(ActorRefs.Nobody))
                {
                    group.Tell(new ToMember(member, m), Sender);
                    return;
                }
            }

            var child = Context.Child(m.Child);
            if (child.Equals(ActorRefs.Nobody))
            {
                _log.Warning("InjectFailure: bridge {0} has no child '{1}'", _state.Options.Name, m.Child);
            }
            else
            {
                child.Forward(m);
            }
        });
    }

    /// <summary>The strategy for the bridge's children: restart one-for-one, at most 10 times a minute.</summary>
    public static SupervisorStrategy ChildStrategy { get; } =
        new OneForOneStrategy(10, TimeSpan.FromMinutes(1), Runtime.SupervisorStrategy.DefaultDecider);

    /// <inheritdoc/>
    protected override void PreStart()
    {
        _classifier = Context.ActorOf(ClassifierActor.Props(_state, _classifierSettings), ClassifierName);
        var o = _state.Options;

        // Groups are created first and start their members only when the context naming every
        // sibling is complete (StartMembers), so each member gets all the refs.
        var c = _components;
        var holder = new BridgeContextHolder();
        var datapath = Group(c.Shard, "shard", o.Shards, "datapath", holder);
        var handlers = Group(c.Handler, "handler", o.Handlers, "handlers", holder);
        var revalidators = Group(c.Revalidator, "revalidator", o.Revalidators, "revalidators", holder);
        _datapath = datapath;
        _revalidators = revalidators;
        var ctx = new BridgeContext(o, _state, Self, _classifier, datapath, handlers, revalidators);
        holder.Value = ctx;
        foreach (var g in new[] { datapath, handlers, revalidators })
        {
            if (!g.Equals(ActorRefs.Nobody))
            {
                g.Tell(StartMembers.Instance, Self);
            }
        }

        if (c.Sflow is not null && o.Sflow.Enabled)
        {
            Context.ActorOf(c.Sflow(ctx), "sflow");
        }
    }

    private BridgeStats EmptyStats() =>
        new(_state.Options.Name, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ImmutableDictionary<string, long>.Empty, 0);

    /// <summary>Ingress: counts rx per port and spreads the packets over the shards by 5-tuple hash, in slices of at most 32.</summary>
    private void OnPacketsIn(PacketsIn m)
    {
        var shards = _state.Options.Shards;
        if (_runtime is null || shards <= 0 || _datapath.Equals(ActorRefs.Nobody))
        {
            foreach (var p in m.Packets)
            {
                _state.Ports.Add((int)p.InPort, new PortCounters(RxPackets: 1, RxBytes: p.Frame.Length, Drops: 1));
            }

            return;
        }

        var perShard = new List<Packet>?[shards];
        var rx = new Dictionary<int, (long Packets, long Bytes)>();
        foreach (var p in m.Packets)
        {
            var key = PacketParser.Extract(p.Frame, p.InPort);
            var s = _runtime.ShardOf(key);
            (perShard[s] ??= []).Add(p);
            var r = rx.GetValueOrDefault((int)p.InPort);
            rx[(int)p.InPort] = (r.Packets + 1, r.Bytes + p.Frame.Length);
        }

        foreach (var (port, r) in rx)
        {
            _state.Ports.Add(port, new PortCounters(RxPackets: r.Packets, RxBytes: r.Bytes));
        }

        for (var s = 0; s < shards; s++)
        {
            if (perShard[s] is not { } list)
            {
                continue;
            }

            for (var i = 0; i < list.Count; i += DatapathShardOptions.MaxBatch)
            {
                var n = Math.Min(DatapathShardOptions.MaxBatch, list.Count - i);
                if (_runtime.TryReserveBacklog(s, n))
                {
                    _datapath.Tell(new ToMember(s, new PacketsIn([.. list.GetRange(i, n)])), Self);
                }
            }
        }
    }

    /// <summary>Egress from a shard: tx counters; patch ports go to the parent (the fabric), the rest is published.</summary>
    private void OnPacketsOut(PacketsOut m)
    {
        var port = _state.Ports.Find(m.Port);
        if (port is null)
        {
            return; // translation only outputs to existing ports
        }

        _state.Ports.Add(m.Port, new PortCounters(TxPackets: m.Packets, TxBytes: m.Bytes));
        if (port.PeerBridge is not null)
        {
            Context.Parent.Tell(m, Self);
        }
        else
        {
            Context.System.EventStream.Publish(m);
        }
    }

    private void OnDumpDatapathFlows()
    {
        if (_datapath.Equals(ActorRefs.Nobody) || _state.Options.Shards <= 0)
        {
            Sender.Tell(new DatapathFlowsDump(_state.Options.Name, [], []));
            return;
        }

        Context.ActorOf(Runtime.Props.Create(() => new DumpCollector(_state.Options.Name, _state.Options.Shards, _datapath, Sender)), $"dump-{++_dumps}");
    }

    /// <summary>Collects one <see cref="ShardFlows"/> per shard, answers, stops (a shard that does not answer within 5 s counts as empty).</summary>
    private sealed class DumpCollector : ReceiveActor, IWithTimers
    {
        private readonly ImmutableArray<string>[] _lines;
        private readonly ImmutableArray<DatapathFlow>[] _flows;
        private int _missing;

        public DumpCollector(string bridge, int shards, IActorRef datapath, IActorRef replyTo)
        {
            _lines = new ImmutableArray<string>[shards];
            _flows = new ImmutableArray<DatapathFlow>[shards];
            _missing = shards;
            Receive<ShardFlows>(m =>
            {
                if ((uint)m.Shard < (uint)shards && _lines[m.Shard].IsDefault)
                {
                    _lines[m.Shard] = m.Lines;
                    _flows[m.Shard] = m.Flows;
                    if (--_missing == 0)
                    {
                        Done();
                    }
                }
            });
            Receive<string>(_ => Done());
            datapath.Tell(new Broadcast(DumpShardFlows.Instance), Self);

            void Done()
            {
                replyTo.Tell(new DatapathFlowsDump(bridge, [.. _lines.Select(l => l.IsDefault ? [] : l)], [.. _flows.Select(f => f.IsDefault ? [] : f)]));
                Context.Stop(Self);
            }
        }

        public ITimerScheduler Timers { get; set; } = null!;

        protected override void PreStart() => Timers.StartSingleTimer("timeout", "timeout", TimeSpan.FromSeconds(5));
    }

    private IActorRef Group(Func<BridgeContext, int, Props>? factory, string prefix, int count, string name, BridgeContextHolder holder) =>
        factory is null ? ActorRefs.Nobody : Context.ActorOf(GroupActor.Props(prefix, count, factory, holder, ChildStrategy), name);

    /// <inheritdoc/>
    protected override SupervisorStrategy SupervisorStrategy() => ChildStrategy;
}

/// <summary>Builds the Props of a bridge.</summary>
public static class BridgeProps
{
    /// <summary>
    /// The Props of a bridge with fresh <see cref="BridgeState"/> (tables, ports). The state is
    /// created here, once, and captured: if the bridge actor itself is restarted by its parent it
    /// gets the same state back.
    /// </summary>
    /// <param name="options">The bridge's options (validated).</param>
    /// <param name="components">The pluggable parts; null = none (classifier only).</param>
    /// <param name="classifierSettings">Classifier timing; null = defaults.</param>
    public static Props Create(BridgeOptions options, BridgeComponents? components = null, ClassifierSettings? classifierSettings = null) =>
        Create(new BridgeState(options), components, classifierSettings);

    /// <summary>The Props of a bridge over an existing state (e.g. rebuilt from etcd).</summary>
    public static Props Create(BridgeState state, BridgeComponents? components = null, ClassifierSettings? classifierSettings = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var c = components ?? BridgeComponents.None;
        var s = classifierSettings ?? new ClassifierSettings();
        return Props.Create(() => new BridgeActor(state, c, s));
    }
}
