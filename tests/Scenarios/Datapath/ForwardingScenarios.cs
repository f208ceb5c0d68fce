using VSwarm.Actors.Bridge.Protocol;
using Xunit;

namespace VSwarm.Tests.Scenarios.Datapath;

/// <summary>Miss, install, hit; duplicates; EEXIST; flow limit.</summary>
public class ForwardingScenarios : DatapathScenarioBase
{
    [Fact]
    public void A_miss_installs_a_megaflow_and_later_packets_hit_it()
    {
        var (br, rt) = StartBridge(Options());
        AddFlows(br, "priority=10,ip,nw_dst=10.0.0.0/8,actions=output:2\npriority=0,actions=drop");
        var k = Tcp(1, "10.0.0.5");

        Send(br, k);
        AwaitStats(br, s =>
        {
            Assert.Equal(1, s.Missed);
            Assert.Equal(1, s.Installed);
            Assert.Equal(1, s.Flows);
        });

        Send(br, k, k, k);
        var st = AwaitStats(br, s => Assert.Equal(3, s.EmcHits + s.MegaflowHits));
        Assert.Equal(4, st.Packets);
        Assert.Equal(1, st.Missed);
        Assert.Equal(0, st.Lost);
        AwaitAssert(() => Assert.Equal(4, Port(br, 2).Counters.TxPackets));
        Assert.Equal(4, Port(br, 1).Counters.RxPackets);

        var dp = DumpDp(br);
        var line = Assert.Single(Lines(dp));
        Assert.Contains("in_port(1)", line, StringComparison.Ordinal);
        Assert.Contains("packets:3", line, StringComparison.Ordinal);
        Assert.EndsWith("actions:2", line, StringComparison.Ordinal);

        // The rule's counters move when a revalidation round pushes the megaflow's stats.
        Assert.Contains("n_packets=0", DumpOf(br).Text, StringComparison.Ordinal);
        Revalidate(br);
        var rule = DumpOf(br).Flows.Single(f => f.Rule.Priority == 10);
        Assert.Equal(3, rule.Packets);
        Assert.Equal(1, Stats(br).RevalidationRounds);
        CheckInvariants(br, rt);
    }
}
