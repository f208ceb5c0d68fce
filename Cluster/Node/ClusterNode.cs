using Microsoft.Extensions.Logging;
using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Durable;
using VSwarm.Cluster.Membership;
using VSwarm.Cluster.Placement;
using VSwarm.Runtime;

namespace VSwarm.Cluster.Node;

/// <summary>
/// One VSwarm cluster node: membership (lease, keepalive, self-fencing), placement (rendezvous
/// hashing, fenced claims), durable state (config and rules from etcd, applied as committed) and
/// the bridges placement runs here (<see cref="ActorBridgeHost"/>, under <c>/user/bridges</c>
/// with local traffic). Membership and placement events go to the ActorSystem's EventStream;
/// the owner publishes each running bridge's counters to <c>/vswarm/status/</c>. Node links plug
/// in through <see cref="IRemoteLinks"/>.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    private readonly ICoordinationStore _store;
    private readonly ActorSystem _system;
    private readonly ClusterNodeOptions _options;
    private readonly ILogger _log;
    private readonly SerialExecutor _executor;
    private ICancelable? _statusTimer;
    private bool _stopped;

    /// <summary>Builds the node; call <see cref="Start"/>.</summary>
    public ClusterNode(ICoordinationStore store, ActorSystem system, ClusterNodeOptions options, IRemoteLinks? links = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _system = system;
        _options = options;
        _log = system.LoggerFactory.CreateLogger("VSwarm.Cluster." + options.Name);
        _executor = new SerialExecutor(_log);
        Durable = new DurableBridgeStore(store);
        Host = new ActorBridgeHost(system, Durable, options.Traffic, links, _log);
        Membership = new MembershipService(new MemberInfo(options.Name, options.Listen, system.Scheduler.Now), store, system.Scheduler, _executor, options.Membership, _log);
        Placement = new PlacementService(store, system.Scheduler, _executor, Membership, Host, options.ReconcileInterval ?? options.Membership.EffectiveKeepAlive, _log);
        Membership.Changed += e => system.EventStream.Publish(e);
        Placement.Changed += e => system.EventStream.Publish(e);
        Placement.BridgeKeyChanged += OnBridgeKey;
    }

    /// <summary>Node name.</summary>
    public string Name => _options.Name;

    /// <summary>Membership.</summary>
    public MembershipService Membership { get; }

    /// <summary>Placement.</summary>
    public PlacementService Placement { get; }

    /// <summary>The local bridges.</summary>
    public ActorBridgeHost Host { get; }

    /// <summary>Config and rules in etcd.</summary>
    public DurableBridgeStore Durable { get; }

    /// <summary>Joins the cluster and starts placing bridges.</summary>
    public void Start()
    {
        Membership.Start();
        Placement.Start();
        _statusTimer = _system.Scheduler.ScheduleRepeatedly(_options.StatusInterval, _options.StatusInterval, () => _executor.Post(PublishStatusAsync));
    }

    /// <summary>Graceful leave: stops the bridges, revokes the lease (its claims and status go with it).</summary>
    public async Task LeaveAsync(CancellationToken ct = default)
    {
        _statusTimer?.Cancel();
        await Membership.LeaveAsync(ct).ConfigureAwait(false);
        Stop();
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    private void Stop()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        _statusTimer?.Cancel();
        Placement.StopAll("node stopping");
        Placement.Dispose();
        Membership.Dispose();
        Host.StopAll();
    }

    private void OnBridgeKey(StoreEvent e)
    {
        if (!e.IsDelete && ClusterKeys.TryParseBridgeKey(e.Key, out var bridge, out var leaf) && leaf == "flows")
        {
            _executor.Post(() => Host.ApplyRulesAsync(bridge, e.Value, e.Revision));
        }
    }

    private async Task PublishStatusAsync()
    {
        var lease = Membership.Lease;
        if (_stopped || lease == 0)
        {
            return;
        }

        foreach (var b in Host.Bridges.Values.ToList())
        {
            var stats = await Host.StatsAsync(b.Bridge).ConfigureAwait(false);
            if (stats is null)
            {
                continue;
            }

            var record = new BridgeStatusRecord(b.Bridge, Name, b.Token, stats.Packets, stats.Flows, RuleText.Parse(b.RulesText).Count, b.RulesRevision, _system.Scheduler.Now);
            await _store.PutAsync(ClusterKeys.BridgeStatus(Name, b.Bridge), record.ToJson(), lease).ConfigureAwait(false);
        }
    }
}
