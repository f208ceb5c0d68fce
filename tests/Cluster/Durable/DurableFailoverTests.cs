using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Config;
using VSwarm.Actors.Tables;
using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Durable;
using VSwarm.Cluster.Node;
using VSwarm.Cluster.Placement;
using VSwarm.Runtime;
using Xunit;

namespace VSwarm.Tests.Cluster.Durable;

/// <summary>
/// Real bridge actors on three in-process nodes over the in-memory store, on one virtual clock:
/// committed rules reach the owner, and after the owner crashes the new owner's dump-flows equals
/// the committed rules.
/// </summary>
public sealed class DurableFailoverTests : IAsyncLifetime
{
    private static readonly string[] Names = ["n1", "n2", "n3"];
    private readonly VirtualTimeScheduler _clock = new();
    private readonly Dictionary<string, (ActorSystem System, ClusterNode Node)> _nodes = [];
    private InMemoryCoordinationStore _store = null!;

    public Task InitializeAsync()
    {
        _store = new InMemoryCoordinationStore(_clock);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var (sys, node) in _nodes.Values)
        {
            await node.DisposeAsync();
            await sys.Terminate();
        }
    }

    private void StartNode(string name)
    {
        var sys = ActorSystem.Create(name, new ActorSystemOptions { Scheduler = _clock });
        var node = new ClusterNode(_store.ForNode(name), sys, new ClusterNodeOptions { Name = name, Listen = "sim:" + name, Traffic = new TrafficOptions { PacketsPerTick = 8 } });
        _nodes[name] = (sys, node);
        node.Start();
    }

    private async Task Crash(string name)
    {
        var (sys, node) = _nodes[name];
        _nodes.Remove(name);
        await node.DisposeAsync();
        await sys.Terminate();
    }

    /// <summary>
    /// Advances virtual time in 50 ms steps, giving the actors 10 ms of real time in between, so
    /// virtual time runs at most 5x real time and bridge start-up (real threads) keeps up with
    /// the leases (virtual time).
    /// </summary>
    private async Task AdvanceUntil(Func<bool> done, TimeSpan max)
    {
        for (var t = TimeSpan.Zero; t < max; t += TimeSpan.FromMilliseconds(50))
        {
            if (done())
            {
                return;
            }

            _clock.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(10);
        }

        Assert.True(done(), $"not reached within {max.TotalSeconds} s of virtual time");
    }

    private ClusterNode? Owner(string bridge) =>
        _nodes.Values.Select(n => n.Node).FirstOrDefault(n => n.Host.Bridges.ContainsKey(bridge));

    private static string DumpText(FlowDump dump) => RuleText.Format(dump.Flows.Select(f => f.Rule));

    [Fact]
    public async Task Committed_rules_reach_the_owner_and_survive_a_crash_of_the_owner()
    {
        var admin = new DurableBridgeStore(_store.ForNode("admin"));
        foreach (var b in new[] { "br0", "br1", "br2" })
        {
            await admin.PutConfigAsync(new BridgeOptions { Name = b, Ports = [new PortOptions { Ofport = 1, Ifindex = 1 }, new PortOptions { Ofport = 2, Ifindex = 2 }] });
        }

        var first = await admin.CommitAsync("br0", FlowModText.ParseAddFlows("priority=10,ip actions=output:2\npriority=20,tcp,tp_dst=80 actions=drop\npriority=0 actions=drop\n"));
        Assert.True(first.Committed, first.Error);

        foreach (var n in Names)
        {
            StartNode(n);
        }

        // Nodes start one after another, so the first may take every bridge and hand some over
        // (rebalance) once it sees the others: wait for the settled placement.
        await AdvanceUntil(() => new[] { "br0", "br1", "br2" }.All(b => Owner(b)?.Name == Rendezvous.Owner(b, Names)), TimeSpan.FromSeconds(10));
        var owner = Owner("br0")!;
        var (committed, _) = await admin.GetFlowsAsync("br0");
        Assert.Equal(committed, DumpText((await owner.Host.DumpFlowsAsync("br0"))!));

        // A flow-mod committed to etcd is applied by the owner through its watch.
        var second = await admin.CommitAsync("br0", [FlowModText.Parse(FlowModCommand.Delete, "tcp")]);
        Assert.True(second.Committed, second.Error);
        await AdvanceUntil(() => owner.Host.Bridges["br0"].RulesRevision == second.Revision, TimeSpan.FromSeconds(2));
        (committed, _) = await admin.GetFlowsAsync("br0");
        Assert.Equal(2, RuleText.Parse(committed).Count);
        Assert.Equal(committed, DumpText((await owner.Host.DumpFlowsAsync("br0"))!));

        // Traffic runs: the owner's counters move.
        await AdvanceUntil(() => owner.Host.StatsAsync("br0").GetAwaiter().GetResult()?.Packets > 0, TimeSpan.FromSeconds(2));

        var oldToken = owner.Host.Bridges["br0"].Token;
        var witness = _nodes.First(n => n.Key != owner.Name).Value.System;
        var removed = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var subscription = witness.EventStream.Subscribe<VSwarm.Cluster.Membership.MemberRemoved>(e => removed.Add(e.Node));
        await Crash(owner.Name);
        var survivors = Names.Where(n => n != owner.Name).ToList();
        await AdvanceUntil(() => Owner("br0")?.Name == Rendezvous.Owner("br0", survivors), TimeSpan.FromSeconds(6));
        var heir = Owner("br0")!;
        Assert.NotEqual(owner.Name, heir.Name);
        Assert.True(heir.Host.Bridges["br0"].Token > oldToken);
        Assert.Equal(committed, DumpText((await heir.Host.DumpFlowsAsync("br0"))!));
        Assert.Contains(owner.Name, removed);
        Assert.Contains(_store.Snapshot(ClusterKeys.Status), kv => kv.Key == ClusterKeys.BridgeStatus(heir.Name, "br1") || kv.Key.StartsWith(ClusterKeys.Status + heir.Name, StringComparison.Ordinal));
    }
}
