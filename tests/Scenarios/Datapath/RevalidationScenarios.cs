using VSwarm.Actors.Bridge.Protocol;
using Xunit;

namespace VSwarm.Tests.Scenarios.Datapath;

/// <summary>Revalidation rounds: flow-mods, idle expiry, the dynamic flow limit.</summary>
public class RevalidationScenarios : DatapathScenarioBase
{
    [Fact]
    public void A_flow_mod_modifies_or_deletes_exactly_the_megaflows_it_affects()
    {
        var (br, rt) = StartBridge(Options());
        AddFlowsText(br, """
            priority=10,ip,nw_dst=10.0.0.0/8,actions=output:2
            priority=10,ip,nw_dst=20.0.0.0/8,actions=output:3
            priority=10,ip,nw_dst=30.0.0.0/8,actions=output:3
            priority=0,actions=drop
            """);
        Send(br, Tcp(1, "10.0.0.5"), Tcp(1, "20.0.0.5"), Tcp(1, "30.0.0.5"));
        AwaitStats(br, s => Assert.Equal(3, s.Flows));
        var before = Lines(DumpDp(br));
        var ufid30 = before.Single(l => l.Contains("dst=30.", StringComparison.Ordinal)).Split(',')[0];

        Flows(br, new ModifyFlows("priority=10,ip,nw_dst=10.0.0.0/8,actions=output:3", Strict: true));
        Revalidate(br);
        var s1 = Stats(br);
        Assert.Equal(1, s1.Modified);
        Assert.Equal(3, s1.Flows);
        Assert.Empty(s1.Deleted);
        var after = Lines(DumpDp(br));
        Assert.EndsWith("actions:3", after.Single(l => l.Contains("dst=10.", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Equal(before.Where(l => !l.Contains("dst=10.", StringComparison.Ordinal)), after.Where(l => !l.Contains("dst=10.", StringComparison.Ordinal)));
        Invariants.All(DumpDp(br), rt);

        // Deleting the 20/8 rule: its megaflow now translates to the catch-all drop (modified or deleted), the others stay.
        Flows(br, new DeleteFlows("ip,nw_dst=20.0.0.0/8"));
        Revalidate(br);
        var lines = Lines(DumpDp(br));
        Assert.DoesNotContain(lines, l => l.Contains("dst=20.", StringComparison.Ordinal) && l.EndsWith("actions:3", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(ufid30, StringComparison.Ordinal) && l.EndsWith("actions:3", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("dst=10.", StringComparison.Ordinal) && l.EndsWith("actions:3", StringComparison.Ordinal));
        var s2 = Stats(br);
        Assert.Equal(2, s2.Modified + s2.Deleted.Values.Sum());
        CheckInvariants(br, rt);
    }

    [Fact]
    public void Idle_megaflows_are_deleted_after_max_idle_on_virtual_time()
    {
        var o = Options();
        o.MaxIdleMs = 2000;
        var (br, rt) = StartBridge(o);
        AddFlowsText(br, "priority=10,ip,actions=output:2");
        Send(br, Tcp(1, "10.0.0.1"), Tcp(3, "10.0.0.2")); // in_port is always exact: two megaflows
        AwaitStats(br, s => Assert.Equal(2, s.Flows));

        // Rounds run on the scheduler every min(max-idle, max-revalidator) = 500 ms.
        AdvanceTime(TimeSpan.FromMilliseconds(500));
        AwaitStats(br, s => Assert.True(s.RevalidationRounds >= 1));
        Assert.Equal(2, Stats(br).Flows);

        // One flow stays busy, the other goes idle.
        for (var t = 0; t < 5; t++)
        {
            AdvanceTime(TimeSpan.FromMilliseconds(500));
            Send(br, Tcp(1, "10.0.0.1"));
            AwaitStats(br, s => Assert.Equal(t + 1, s.EmcHits + s.MegaflowHits));
        }

        Revalidate(br);
        var s = Stats(br);
        Assert.Equal(1, s.Flows);
        Assert.Equal(1, s.Deleted["flow_idle"]);
        Assert.Contains("in_port(1)", Assert.Single(Lines(DumpDp(br))), StringComparison.Ordinal);
        CheckInvariants(br, rt);
    }

    [Fact]
    public void The_dynamic_flow_limit_grows_by_1000_after_a_fast_round_with_more_flows_than_it_allows()
    {
        var (br, rt) = StartBridge(Options());
        AddFlowsText(br, string.Join('\n', Enumerable.Range(1, 11).Select(i => $"priority=10,ip,nw_dst=10.0.0.{i},actions=output:2")));
        Assert.Equal(10_000, Stats(br).FlowLimit); // min(flow-limit, 10000)
        Send(br, [.. Enumerable.Range(1, 11).Select(i => Tcp(1, $"10.0.0.{i}"))]);
        AwaitStats(br, s => Assert.Equal(11, s.Flows));

        // Virtual time does not move during the round: duration = max(0, 1) = 1 ms < 1000 and
        // limit 10000 < n × 1000 / d = 11000 → limit + 1000 (ovs-brief §9 item 13).
        var r = Revalidate(br);
        Assert.Equal(1, r.Result.DurationMs);
        Assert.Equal(11, r.Result.FlowsAtStart);
        Assert.Equal(11_000, r.Result.FlowLimit);
        Assert.Equal(11_000, Stats(br).FlowLimit);

        // Now 11000 < 11000 is false: the limit stays.
        Assert.Equal(11_000, Revalidate(br).Result.FlowLimit);
        CheckInvariants(br, rt);
    }

    [Fact]
    public void Several_shards_handlers_and_revalidators_keep_the_round_barriers_and_the_invariants()
    {
        var (br, rt) = StartBridge(Options(shards: 3, handlers: 3, revalidators: 2));
        AddFlowsText(br, string.Join('\n', Enumerable.Range(1, 20).Select(i => $"priority=10,ip,nw_dst=10.0.0.{i},actions=output:{1 + (i % 3)}")));
        var keys = Enumerable.Range(1, 20).Select(i => Tcp(1, $"10.0.0.{i}", tpSrc: (ushort)(1000 + i))).ToArray();
        Send(br, keys);
        AwaitStats(br, s => Assert.Equal(20, s.Installed));
        var dump = DumpDp(br);
        Assert.Equal(3, dump.Shards.Length);
        Assert.Equal(20, dump.Shards.Sum(s => s.Length));
        Assert.True(dump.Shards.Count(s => s.Length > 0) >= 2, "the 5-tuple hash spreads flows over the shards");

        Send(br, keys);
        AwaitStats(br, s => Assert.Equal(20, s.EmcHits + s.MegaflowHits));
        Flows(br, new ModifyFlows("priority=10,ip,nw_dst=10.0.0.7,actions=output:3", Strict: true));
        var r = Revalidate(br);
        Assert.Equal(20, r.Result.FlowsAtStart);
        var s = Stats(br);
        Assert.Equal(1, s.Modified);
        Assert.Equal(20, s.Flows);
        Assert.Empty(s.Deleted);
        var rules = DumpOf(br).Flows;
        Assert.All(rules, f => Assert.Equal(2, f.Packets)); // one miss (at upcall time) + one hit (pushed)
        CheckInvariants(br, rt);
    }
}
