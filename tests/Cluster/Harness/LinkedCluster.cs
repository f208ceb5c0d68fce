using System.Text;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Config;
using VSwarm.Actors.Tables;
using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Durable;
using VSwarm.Cluster.Membership;
using VSwarm.Cluster.Node;
using VSwarm.Cluster.Remoting;
using VSwarm.Cluster.Transport.InMemory;
using VSwarm.Runtime;
using Xunit;

namespace VSwarm.Tests.Cluster.Harness;

/// <summary>
/// Whole cluster nodes (<see cref="ClusterNode"/>: membership, placement, real bridge actors and
/// node links) in one process on one virtual clock: coordination over
/// <see cref="InMemoryCoordinationStore"/> (the harness's stand-in for etcd), links over an
/// <see cref="InMemoryNetwork"/> with scripted faults (blackhole, delay, crash). Time moves only in
/// <see cref="AdvanceUntilAsync"/>, in small steps, and between steps the harness awaits (never
/// blocks) until the network and the link queues are quiet, so heartbeats, claims and frames are
/// exchanged as they would be on a live network. Tests assert behaviour, not timings.
/// </summary>
public sealed class LinkedCluster : IAsyncDisposable
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(50);
    private readonly Dictionary<string, (ActorSystem System, ClusterNode Node)> _nodes = new(StringComparer.Ordinal);

    public LinkedCluster()
    {
        Clock = new VirtualTimeScheduler();
        Store = new InMemoryCoordinationStore(Clock);
        Net = new InMemoryNetwork(Clock, seed: 3);
        Admin = new DurableBridgeStore(Store.ForNode("admin"));
    }

    public VirtualTimeScheduler Clock { get; }

    public InMemoryCoordinationStore Store { get; }

    public InMemoryNetwork Net { get; }

    public DurableBridgeStore Admin { get; }

    /// <summary>Heartbeats every second, a link is down after 5 missed; quick redials.</summary>
    public RemotingSettings Links { get; init; } = new()
    {
        ClusterName = "sim",
        SharedSecret = Encoding.UTF8.GetBytes("the shared secret of the sim cluster"),
        HeartbeatInterval = TimeSpan.FromSeconds(1),
        MissedHeartbeats = 5,
        HandshakeTimeout = TimeSpan.FromSeconds(2),
        ReconnectMin = TimeSpan.FromMilliseconds(200),
        ReconnectMax = TimeSpan.FromSeconds(1),
        RandomSeed = 1,
    };

    public IReadOnlyCollection<string> Names => _nodes.Keys;

    public ClusterNode this[string name] => _nodes[name].Node;

    /// <summary>Defines two bridges whose port 2 are patch-linked; each sends what enters port 1 out of port 2 and drops the rest.</summary>
    public async Task AddLinkedPairAsync(string a, string b)
    {
        foreach (var (self, peer) in new[] { (a, b), (b, a) })
        {
            await Admin.PutConfigAsync(new BridgeOptions
            {
                Name = self,
                Ports = [new PortOptions { Ofport = 1, Ifindex = 1 }, new PortOptions { Ofport = 2, Ifindex = 2 }],
                Links = [new LinkOptions { Ofport = 2, PeerBridge = peer, PeerOfport = 2 }],
            });
            var commit = await Admin.CommitAsync(self, FlowModText.ParseAddFlows("priority=10,in_port=1 actions=output:2\npriority=0 actions=drop\n"));
            Assert.True(commit.Committed, commit.Error);
        }
    }

    /// <summary>Starts a node (its actor system is named after it) with links on the network.</summary>
    public async Task<ClusterNode> StartAsync(string name)
    {
        var sys = ActorSystem.Create(name, new ActorSystemOptions { Scheduler = Clock });
        var node = new ClusterNode(Store.ForNode(name), sys, new ClusterNodeOptions
        {
            Name = name,
            Listen = name,
            Membership = new MembershipOptions(),
            Traffic = new TrafficOptions { PacketsPerTick = 8 },
            Links = Links,
        }, Net.TransportFor(name));
        _nodes[name] = (sys, node);
        Net.Restart(name);
        await node.StartAsync();
        return node;
    }

    /// <summary>Kills a node: its connections break, its bridges stop, its lease is left to expire.</summary>
    public async Task CrashAsync(string name)
    {
        var (sys, node) = _nodes[name];
        _nodes.Remove(name);
        Net.Crash(name);
        await node.DisposeAsync();
        await sys.Terminate();
    }

    /// <summary>The node running <paramref name="bridge"/>, or null.</summary>
    public ClusterNode? OwnerOf(string bridge) => _nodes.Values.Select(n => n.Node).FirstOrDefault(n => n.Host.Bridges.ContainsKey(bridge));

    /// <summary>Received packets of a bridge's port on its current owner (null when it runs nowhere).</summary>
    public async Task<long?> RxAsync(string bridge, int ofport)
    {
        var owner = OwnerOf(bridge);
        if (owner is null || !owner.Host.Bridges.TryGetValue(bridge, out var b))
        {
            return null;
        }

        var ports = await b.Ref.Ask<Ports>(GetPorts.Instance, TimeSpan.FromSeconds(5));
        return ports.Items.FirstOrDefault(p => p.Ofport == ofport)?.Counters.RxPackets;
    }

    /// <summary>Advances virtual time until <paramref name="done"/> holds; fails naming <paramref name="what"/> after <paramref name="max"/>.</summary>
    public async Task AdvanceUntilAsync(Func<Task<bool>> done, TimeSpan max, string what)
    {
        for (var t = TimeSpan.Zero; t <= max; t += Step)
        {
            await SettleAsync();
            if (await done())
            {
                return;
            }

            Clock.Advance(Step);
        }

        Assert.Fail($"{what}: not reached within {max.TotalSeconds} s of virtual time");
    }

    /// <summary>Advances virtual time until <paramref name="done"/> holds.</summary>
    public Task AdvanceUntilAsync(Func<bool> done, TimeSpan max, string what) => AdvanceUntilAsync(() => Task.FromResult(done()), max, what);

    /// <summary>Advances virtual time by <paramref name="total"/>.</summary>
    public async Task AdvanceAsync(TimeSpan total)
    {
        for (var t = TimeSpan.Zero; t < total; t += Step)
        {
            await SettleAsync();
            Clock.Advance(Step);
        }

        await SettleAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (sys, node) in _nodes.Values)
        {
            await node.DisposeAsync();
            await sys.Terminate();
        }

        _nodes.Clear();
    }

    /// <summary>Awaits (real time, without blocking a pool thread) until no frame is in flight or queued.</summary>
    private async Task SettleAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        await Task.Delay(1);
        while (!(Net.IsQuiet && _nodes.Values.All(n => n.Node.Links!.IsIdle) && ThreadPool.PendingWorkItemCount == 0))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException("the network did not become quiet within 10 s");
            }

            await Task.Delay(1);
        }
    }
}
