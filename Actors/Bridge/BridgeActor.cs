using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Config;
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
    private IActorRef _classifier = ActorRefs.Nobody;

    /// <summary>Creates the actor (use <see cref="BridgeProps.Create"/>).</summary>
    public BridgeActor(BridgeState state, BridgeComponents components, ClassifierSettings classifierSettings)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(components);
        ArgumentNullException.ThrowIfNull(classifierSettings);
        _state = state;
        _components = components;
        _classifierSettings = classifierSettings;
        _log = Context.GetLogger();

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
