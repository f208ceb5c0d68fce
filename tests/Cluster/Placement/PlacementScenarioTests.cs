using VSwarm.Cluster.Coordination;
using VSwarm.Cluster.Membership;
using VSwarm.Cluster.Placement;
using VSwarm.Tests.Cluster.Harness;
using Xunit;

namespace VSwarm.Tests.Cluster.Placement;

/// <summary>Membership and placement on the in-memory store, virtual time.</summary>
public sealed class PlacementScenarioTests
{
    private static readonly string[] Bridges = ["br0", "br1", "br2", "br3", "br4", "br5", "br6", "br7"];

    private static SimCluster Cluster(params string[] nodes)
    {
        var c = new SimCluster();
        foreach (var b in Bridges)
        {
            c.AddBridge(b);
        }

        foreach (var n in nodes)
        {
            c.Start(n);
        }

        c.Advance(TimeSpan.FromSeconds(2));
        return c;
    }

    private static void AssertHrw(SimCluster c)
    {
        var live = c.Nodes.Keys.ToList();
        foreach (var b in Bridges)
        {
            Assert.True(c.Ledger.Active.TryGetValue(b, out var owner), $"{b} is not active anywhere");
            Assert.Equal(Rendezvous.Owner(b, live), owner.Node);
            var claim = c.Store.Snapshot(ClusterKeys.Owner(b)).Single();
            Assert.Equal(owner.Token, claim.CreateRevision);
        }

        Assert.Empty(c.Ledger.Violations);
    }

    [Fact]
    public void Members_see_each_other_and_a_crashed_member_is_removed_after_its_lease()
    {
        using var c = Cluster("n1", "n2", "n3");
        Assert.Equal(["n1", "n2", "n3"], c.Nodes["n1"].Membership.LiveNodes);
        var upSeen = c.Nodes["n1"].Events.OfType<MemberUp>().Select(e => e.Member.Node).ToHashSet();
        Assert.Superset(new HashSet<string> { "n1", "n2", "n3" }, upSeen);

        c.Crash("n3");
        c.Advance(TimeSpan.FromSeconds(2));
        Assert.Contains("n3", c.Nodes["n1"].Membership.LiveNodes);
        c.Advance(TimeSpan.FromSeconds(1.5));
        Assert.DoesNotContain("n3", c.Nodes["n1"].Membership.LiveNodes);
        Assert.Contains(c.Nodes["n1"].Events.OfType<MemberRemoved>(), e => e.Node == "n3");
    }

    [Fact]
    public void Every_bridge_runs_on_its_rendezvous_choice()
    {
        using var c = Cluster("n1", "n2", "n3");
        AssertHrw(c);
        Assert.True(c.Ledger.Active.Values.Select(v => v.Node).Distinct().Count() >= 2, "8 bridges over 3 nodes all landed on one node");
    }

    [Fact]
    public void Crash_fails_over_within_the_lease_ttl_plus_a_keepalive()
    {
        using var c = Cluster("n1", "n2", "n3");
        var victim = c.Ledger.Active["br0"].Node;
        var moved = Bridges.Where(b => c.Ledger.Active[b].Node == victim).ToList();
        c.Crash(victim);
        Assert.All(moved, b => Assert.False(c.Ledger.Active.ContainsKey(b)));
        c.Advance(c.Membership.LeaseTtl + c.Membership.EffectiveKeepAlive);
        AssertHrw(c);
        Assert.All(moved, b => Assert.NotEqual(victim, c.Ledger.Active[b].Node));
    }

    [Fact]
    public void Join_rebalances_by_stopping_first_then_claiming()
    {
        using var c = Cluster("n1");
        Assert.All(Bridges, b => Assert.Equal("n1", c.Ledger.Active[b].Node));
        c.Start("n2");
        c.Start("n3");
        c.Advance(TimeSpan.FromSeconds(3));
        AssertHrw(c);
        Assert.Empty(c.Ledger.Violations);
    }

    [Fact]
    public void A_partitioned_owner_fences_itself_before_its_lease_expires_and_rejoins_after_heal()
    {
        using var c = Cluster("n1", "n2");
        var owner = c.Ledger.Active["br0"].Node;
        var other = owner == "n1" ? "n2" : "n1";
        c.Store.Partition(owner);
        var partitionedAt = c.Now;

        // Step in 10 ms: the owner stops before the claim can go, so the other node can only activate after.
        TimeSpan? stopped = null, takenOver = null;
        while (c.Now - partitionedAt < TimeSpan.FromSeconds(6))
        {
            c.Scheduler.Advance(TimeSpan.FromMilliseconds(10));
            if (stopped is null && !c.Ledger.Active.Any(kv => kv.Value.Node == owner))
            {
                stopped = c.Now;
            }

            if (takenOver is null && c.Ledger.Active.TryGetValue("br0", out var a) && a.Node == other)
            {
                takenOver = c.Now;
            }
        }

        Assert.NotNull(stopped);
        Assert.NotNull(takenOver);
        Assert.True(stopped < takenOver, $"fenced at {stopped}, taken over at {takenOver}");
        Assert.Contains(c.Nodes[owner].Events, e => e is SelfFenced);
        Assert.Empty(c.Ledger.Violations);

        c.Store.Heal(owner);
        c.Advance(TimeSpan.FromSeconds(4));
        Assert.Contains(c.Nodes[owner].Events.Skip(1), e => e is SelfJoined);
        AssertHrw(c);
    }

    [Fact]
    public void Graceful_leave_hands_bridges_over_without_waiting_for_the_lease()
    {
        using var c = Cluster("n1", "n2", "n3");
        c.Leave("n2");
        c.Advance(TimeSpan.FromMilliseconds(1100));
        AssertHrw(c);
    }
}
