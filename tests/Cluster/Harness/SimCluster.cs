using Microsoft.Extensions.Logging.Abstractions;
using VSwarm.Actors.Config;
using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Membership;
using VSwarm.Cluster.Placement;
using VSwarm.Runtime;

namespace VSwarm.Tests.Cluster.Harness;

/// <summary>
/// Many cluster nodes in one process on one virtual clock over <see cref="InMemoryCoordinationStore"/>
/// (actors-brief §4: Orleans' InProcessTestCluster, with etcd faked): start, crash (no graceful
/// leave), leave, partition from the store and heal. Bridges are recorded in an
/// <see cref="ActivationLedger"/> instead of running actors, so thousands of steps are cheap.
/// </summary>
public sealed class SimCluster : IDisposable
{
    private readonly Dictionary<string, SimNode> _nodes = new(StringComparer.Ordinal);

    public SimCluster(MembershipOptions? membership = null)
    {
        Scheduler = new VirtualTimeScheduler();
        Store = new InMemoryCoordinationStore(Scheduler);
        Membership = membership ?? new MembershipOptions();
    }

    public VirtualTimeScheduler Scheduler { get; }

    public InMemoryCoordinationStore Store { get; }

    public MembershipOptions Membership { get; }

    public ActivationLedger Ledger { get; } = new();

    public IReadOnlyDictionary<string, SimNode> Nodes => _nodes;

    public TimeSpan Now => Scheduler.MonotonicClock;

    /// <summary>Writes a bridge's config key (what `vswarm ofctl`/seeding does).</summary>
    public void AddBridge(string name) =>
        Store.ForNode("admin").PutAsync(ClusterKeys.Config(name), System.Text.Json.JsonSerializer.Serialize(new BridgeOptions { Name = name })).GetAwaiter().GetResult();

    public SimNode Start(string node)
    {
        if (_nodes.TryGetValue(node, out var old))
        {
            old.Dispose();
        }

        var n = new SimNode(this, node);
        _nodes[node] = n;
        n.Start();
        return n;
    }

    /// <summary>Kills the node's process: timers and watches stop, its bridges stop with it, its lease is left to expire.</summary>
    public void Crash(string node)
    {
        if (_nodes.Remove(node, out var n))
        {
            n.Dispose();
            Ledger.Crash(node, Now);
        }
    }

    public void Leave(string node)
    {
        if (_nodes.Remove(node, out var n))
        {
            n.Membership.LeaveAsync().GetAwaiter().GetResult();
            n.Dispose();
        }
    }

    public void Advance(TimeSpan by)
    {
        // Small steps: every timer fires at its own instant.
        var end = Now + by;
        while (Now < end)
        {
            var step = TimeSpan.FromMilliseconds(Math.Min(100, (end - Now).TotalMilliseconds));
            Scheduler.Advance(step);
        }
    }

    public void Dispose()
    {
        foreach (var n in _nodes.Values)
        {
            n.Dispose();
        }

        _nodes.Clear();
    }

    /// <summary>One node: membership + placement on its own serial executor, bridges in the ledger.</summary>
    public sealed class SimNode : IBridgeHost, IDisposable
    {
        private readonly SimCluster _cluster;

        internal SimNode(SimCluster cluster, string name)
        {
            _cluster = cluster;
            Name = name;
            var store = cluster.Store.ForNode(name);
            var executor = new SerialExecutor(NullLogger.Instance);
            Membership = new MembershipService(new MemberInfo(name, "sim:" + name, cluster.Scheduler.Now), store, cluster.Scheduler, executor, cluster.Membership, NullLogger.Instance);
            Placement = new PlacementService(store, cluster.Scheduler, executor, Membership, this, cluster.Membership.EffectiveKeepAlive, NullLogger.Instance);
        }

        public string Name { get; }

        public MembershipService Membership { get; }

        public PlacementService Placement { get; }

        public List<object> Events { get; } = [];

        public Task ActivateAsync(string bridge, long token, CancellationToken ct = default)
        {
            _cluster.Ledger.Activate(bridge, Name, token, _cluster.Now);
            return Task.CompletedTask;
        }

        public void Deactivate(string bridge, long token, string reason) => _cluster.Ledger.Deactivate(bridge, Name, _cluster.Now);

        public void Dispose()
        {
            Placement.Dispose();
            Membership.Dispose();
        }

        internal void Start()
        {
            Membership.Changed += Events.Add;
            Membership.Start();
            Placement.Start();
        }
    }
}
