using VSwarm.Actors.Bridge;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Config;
using VSwarm.Actors.Tables;
using VSwarm.Runtime;
using Xunit;

namespace VSwarm.Tests.Scenarios.Datapath;

/// <summary>Miss, install, hit; duplicates; EEXIST; flow limit.</summary>
public class ForwardingScenarios : DatapathScenarioBase
{
    [Fact]
    public void A_miss_installs_a_megaflow_and_later_packets_hit_it()
    {
        var (br, rt) = StartBridge(Options());
        AddFlowsText(br, "priority=10,ip,nw_dst=10.0.0.0/8,actions=output:2\npriority=0,actions=drop");
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

        // The packet that missed counts at upcall time, as in OVS; the three datapath hits reach
        // the rule when a revalidation round pushes the megaflow's stats.
        Assert.Contains("n_packets=1", DumpOf(br).Text, StringComparison.Ordinal);
        Revalidate(br);
        var rule = DumpOf(br).Flows.Single(f => f.Rule.Priority == 10);
        Assert.Equal(4, rule.Packets);
        Assert.True(Stats(br).RevalidationRounds >= 1);
        CheckInvariants(br, rt);
    }

    [Fact]
    public void Several_packets_of_one_new_flow_in_one_batch_install_it_once()
    {
        var (br, rt) = StartBridge(Options());
        AddFlowsText(br, "priority=10,ip,nw_dst=10.0.0.0/8,actions=output:2");
        var k = Tcp(1, "10.0.0.5");
        Send(br, k, k, k);
        var s = AwaitStats(br, s =>
        {
            Assert.Equal(1, s.Installed);
            Assert.Equal(2, s.Duplicates);
        });
        Assert.Equal(3, s.Missed);
        Assert.Equal(1, s.Flows);
        AwaitAssert(() => Assert.Equal(3, Port(br, 2).Counters.TxPackets)); // every packet executed
        CheckInvariants(br, rt);
    }

    [Fact]
    public void A_create_covered_by_an_installed_wider_flow_fails_with_EEXIST_and_the_packet_is_still_forwarded()
    {
        var (br, rt) = StartBridge(Options());
        AddFlowsText(br, "priority=10,ip,nw_dst=10.0.0.0/8,actions=output:2");
        // Two microflows of one megaflow (only the source port differs) miss in the same batch:
        // both get a ukey and a CREATE; the second finds the first installed (ovs-brief §9 item 25).
        Send(br, Tcp(1, "10.0.0.5", tpSrc: 1000), Tcp(1, "10.0.0.5", tpSrc: 2000));
        AwaitAssert(() => Assert.Equal(1, rt.PutEexist));
        var s = AwaitStats(br, s => Assert.Equal(1, s.Installed));
        Assert.Equal(1, s.Flows);
        Assert.Equal(2, s.Missed);
        AwaitAssert(() => Assert.Equal(2, Port(br, 2).Counters.TxPackets));

        // The evicted ukey is freed by the sweep; both microflows now hit the one megaflow.
        Revalidate(br);
        Send(br, Tcp(1, "10.0.0.5", tpSrc: 1000), Tcp(1, "10.0.0.5", tpSrc: 2000));
        AwaitStats(br, s => Assert.Equal(2, s.EmcHits + s.MegaflowHits));
        CheckInvariants(br, rt);
    }

    [Fact]
    public void Over_the_flow_limit_packets_are_executed_but_not_installed()
    {
        var o = Options();
        o.FlowLimit = 2;
        var (br, rt) = StartBridge(o);
        AddFlowsText(br, """
            priority=10,ip,nw_dst=10.0.0.1,actions=output:2
            priority=10,ip,nw_dst=10.0.0.2,actions=output:2
            priority=10,ip,nw_dst=10.0.0.3,actions=output:2
            """);
        Assert.Equal(2, rt.Udpif.FlowLimit);
        Send(br, Tcp(1, "10.0.0.1"));
        AwaitStats(br, s => Assert.Equal(1, s.Flows));
        Send(br, Tcp(1, "10.0.0.2"));
        AwaitStats(br, s => Assert.Equal(2, s.Flows));
        Send(br, Tcp(1, "10.0.0.3"));
        var s = AwaitStats(br, s => Assert.Equal(1, s.OverLimit));
        Assert.Equal(2, s.Flows);
        Assert.Equal(2, s.Installed);
        Assert.Equal(2, s.FlowLimit);
        AwaitAssert(() => Assert.Equal(3, Port(br, 2).Counters.TxPackets));
        CheckInvariants(br, rt);
    }

    [Fact]
    public void A_full_upcall_queue_counts_the_packets_it_drops_as_lost()
    {
        var o = Options();
        o.UpcallQueueCapacity = 4;
        var (br, rt) = StartBridge(o);
        AddFlowsText(br, "priority=10,ip,actions=output:2");
        Send(br, [.. Enumerable.Range(1, 10).Select(i => Tcp(1, $"10.0.0.{i}"))]);
        AwaitAssert(() => Assert.Equal(4, rt.HandlerCounters.Executes));
        var s = Stats(br);
        Assert.Equal(10, s.Packets);
        Assert.Equal(4, s.Missed);
        Assert.Equal(6, s.Lost);
    }

    [Fact]
    public void A_patch_link_carries_packets_to_the_peer_bridge()
    {
        var br0 = Options("br0");
        br0.Links = [new LinkOptions { Ofport = 3, PeerBridge = "br1", PeerOfport = 1 }];
        var br1 = Options("br1");
        br1.Links = [new LinkOptions { Ofport = 1, PeerBridge = "br0", PeerOfport = 3 }];
        var fabric = Fabric.Start(Sys, new VSwarmOptions { Bridges = [br0, br1] });
        Assert.Equal("vswarm://test/user/bridges", fabric.Root.Path.ToString());

        Ask(fabric.Root, new ToBridge("br0", AddFlows.FromText("priority=10,in_port=1,actions=output:3")));
        Ask(fabric.Root, new ToBridge("br1", AddFlows.FromText("priority=10,in_port=1,actions=output:2")));
        var k = Tcp(1, "10.0.0.5");
        fabric.Root.Tell(new ToBridge("br0", new PacketsIn([Pkt(k), Pkt(k)])));

        AwaitAssert(() =>
        {
            var stats = fabric.Snapshot();
            Assert.Equal(2, stats[0].Packets);
            Assert.Equal(2, stats[1].Packets);
        });
        AwaitAssert(() =>
        {
            fabric.Root.Tell(new ToBridge("br1", GetPorts.Instance), TestActor);
            var ports = ExpectMsg<Ports>();
            Assert.Equal(2, ports.Items.Single(p => p.Ofport == 1).Counters.RxPackets);
            Assert.Equal(2, ports.Items.Single(p => p.Ofport == 2).Counters.TxPackets);
        });
        fabric.Root.Tell(GetFabricStats.Instance, TestActor);
        var fs = ExpectMsg<FabricStats>();
        Assert.Equal(["br0", "br1"], fs.Bridges.Select(b => b.Bridge));
        Assert.All(fs.Bridges, b => Assert.Equal(1, b.Flows));
        Assert.Equal(0, fs.Undeliverable);
    }

    private void Ask(IActorRef fabric, object message)
    {
        fabric.Tell(message, TestActor);
        Assert.True(ExpectMsg<FlowModResult>().IsSuccess);
    }
}
