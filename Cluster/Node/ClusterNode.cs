using Microsoft.Extensions.Logging;
using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Durable;
using VSwarm.Cluster.Links;
using VSwarm.Cluster.Membership;
using VSwarm.Cluster.Placement;
using VSwarm.Cluster.Remoting;
using VSwarm.Cluster.Remoting.Registry;
using VSwarm.Cluster.Transport;
using VSwarm.Runtime;

namespace VSwarm.Cluster.Node;

/// <summary>
/// One VSwarm cluster node: membership (lease, keepalive, self-fencing), placement (rendezvous
/// hashing, fenced claims), durable state (config and rules from etcd, applied as committed) and
/// the bridges placement runs here (<see cref="ActorBridgeHost"/>, under <c>/user/bridges</c>
/// with local traffic). Membership and placement events go to the ActorSystem's EventStream;
/// the owner publishes each running bridge's counters to <c>/vswarm/status/</c>. With a link
/// transport and <see cref="ClusterNodeOptions.Links"/> the node also runs <see cref="NodeLinks"/>
/// on its listen address: peers are learned from the member records (MemberUp: SetPeer,
/// MemberRemoved: forget), and patch traffic to bridges on other nodes goes over them
/// (<see cref="NodeRemoteLinks"/>), fenced by the sending bridge's token.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    private readonly ICoordinationStore _store;
    private readonly ActorSystem _system;
    private readonly ClusterNodeOptions _options;
    private readonly ILogger _log;
    private readonly SerialExecutor _executor;
    private readonly List<IDisposable> _subscriptions = [];
    private ICancelable? _statusTimer;
    private bool _stopped;

    /// <summary>Builds the node; call <see cref="StartAsync"/> (or <see cref="Start"/> without links).</summary>
    /// <param name="store">etcd (or the harness's stand-in).</param>
    /// <param name="system">The node's actor system, named after the node (actor paths name it).</param>
    /// <param name="options">Node settings.</param>
    /// <param name="transport">Transport for node links; links run when this and <see cref="ClusterNodeOptions.Links"/> are set.</param>
    public ClusterNode(ICoordinationStore store, ActorSystem system, ClusterNodeOptions options, ILinkTransport? transport = null)
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
        IRemoteLinks? links = null;
        if (transport is not null && options.Links is { } linkSettings)
        {
            if (!string.Equals(system.Name, options.Name, StringComparison.Ordinal))
            {
                throw new ArgumentException($"the actor system of node {options.Name} must be named after it (is '{system.Name}')", nameof(system));
            }

            Links = new NodeLinks(system, linkSettings with { Registry = ClusterMessages.Registry }, transport);
            Owners = new OwnerDirectory();
            RemoteLinks = new NodeRemoteLinks(Links, Owners);
            links = RemoteLinks;
        }

        Host = new ActorBridgeHost(system, Durable, options.Traffic, links, _log);
        Membership = new MembershipService(new MemberInfo(options.Name, options.Listen, system.Scheduler.Now), store, system.Scheduler, _executor, options.Membership, _log);
        Placement = new PlacementService(store, system.Scheduler, _executor, Membership, Host, options.ReconcileInterval ?? options.Membership.EffectiveKeepAlive, _log);
        Membership.Changed += e => system.EventStream.Publish(e);
        Placement.Changed += e => system.EventStream.Publish(e);
        Placement.BridgeKeyChanged += OnBridgeKey;
        if (Links is not null)
        {
            Membership.Changed += OnMembership;
            Placement.OwnerKeyChanged += Owners!.Apply;
            Placement.Changed += e =>
            {
                if (e is BridgeActivated a)
                {
                    Owners!.Observe(a.Bridge, a.Node, a.Token);
                }
            };
            _subscriptions.Add(system.EventStream.Subscribe<LinkUp>(e => _log.LinkUp(e.Node)));
            _subscriptions.Add(system.EventStream.Subscribe<LinkDown>(e => _log.LinkDown(e.Node, e.Reason)));
            _subscriptions.Add(system.EventStream.Subscribe<LinkRefused>(e => _log.LinkRefused(e.Node, e.Reason)));
        }
    }

    /// <summary>Node links (null when the node runs without them).</summary>
    public NodeLinks? Links { get; }

    /// <summary>Owner claims as the links see them (null without links).</summary>
    public OwnerDirectory? Owners { get; }

    /// <summary>The patch-traffic seam over <see cref="Links"/> (null without links).</summary>
    public NodeRemoteLinks? RemoteLinks { get; }

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

    /// <summary>Starts node links on the listen address (when configured), then <see cref="Start"/>.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        if (Links is not null)
        {
            var address = await Links.StartAsync(_options.Listen, ct).ConfigureAwait(false);
            _log.LinksListening(Name, address, Links.Settings.ClusterName);
        }

        Start();
    }

    /// <summary>Joins the cluster and starts placing bridges (links, if any, must be started: <see cref="StartAsync"/>).</summary>
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
    public async ValueTask DisposeAsync()
    {
        Stop();
        foreach (var s in _subscriptions)
        {
            s.Dispose();
        }

        if (Links is not null)
        {
            await Links.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Patch-link counters of this node's <c>/user/bridges</c>.</summary>
    public Task<PatchCounters> PatchCountersAsync(CancellationToken ct = default) =>
        Host.Root.Ask<PatchCounters>(GetPatchCounters.Instance, TimeSpan.FromSeconds(5), ct);

    private void OnMembership(object e)
    {
        switch (e)
        {
            case MemberUp up when !string.Equals(up.Member.Node, Name, StringComparison.Ordinal):
                Links!.SetPeer(up.Member.Node, up.Member.Address);
                break;
            case MemberRemoved removed when !string.Equals(removed.Node, Name, StringComparison.Ordinal):
                Links!.RemovePeer(removed.Node);
                break;
        }
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

            var patchRx = await Host.PatchRxAsync(b.Bridge).ConfigureAwait(false) ?? 0;
            var record = new BridgeStatusRecord(b.Bridge, Name, b.Token, stats.Packets, stats.Flows, RuleText.Parse(b.RulesText).Count, b.RulesRevision, _system.Scheduler.Now, patchRx);
            await _store.PutAsync(ClusterKeys.BridgeStatus(Name, b.Bridge), record.ToJson(), lease).ConfigureAwait(false);
        }
    }
}
