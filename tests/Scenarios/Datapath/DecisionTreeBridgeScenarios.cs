using Xunit;

namespace VSwarm.Tests.Scenarios.Datapath;

/// <summary>A bridge configured with <c>classifier: dt</c> forwards with decision-tree tables.</summary>
public class DecisionTreeBridgeScenarios : DatapathScenarioBase
{
    [Fact]
    public void A_decision_tree_bridge_installs_sound_megaflows_and_forwards()
    {
        var options = Options();
        options.Classifier = "dt";
        var (br, rt) = StartBridge(options);
        AddFlowsText(br, """
            priority=30,tcp,nw_dst=10.1.0.0/16,tp_dst=80,actions=output:2
            priority=20,ip,nw_dst=10.0.0.0/8,actions=output:3
            priority=0,actions=drop
            """);
        Send(br, Tcp(1, "10.1.2.3"), Tcp(1, "10.9.9.9"), Tcp(1, "10.1.2.3", tpDst: 443), Tcp(1, "10.1.2.3"));
        AwaitStats(br, s => Assert.Equal(4, s.Packets));
        AwaitAssert(() => Assert.Equal(2, Port(br, 2).Counters.TxPackets));
        AwaitAssert(() => Assert.Equal(2, Port(br, 3).Counters.TxPackets));
        Assert.Equal(3, Stats(br).Installed);
        CheckInvariants(br, rt);
    }
}
