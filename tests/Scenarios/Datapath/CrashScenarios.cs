using VSwarm.Actors.Bridge;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;
using VSwarm.Runtime;
using Xunit;

namespace VSwarm.Tests.Scenarios.Datapath;

/// <summary>Crashed shards and handlers: restart, recovery, counted loss.</summary>
public class CrashScenarios : DatapathScenarioBase
{
    [Fact]
    public void A_crashed_shard_restarts_empty_and_its_flows_come_back_through_upcalls()
    {
        var (br, rt) = StartBridge(Options());
        AddFlowsText(br, "priority=10,ip,actions=output:2");
        var k = Tcp(1, "10.0.0.1");
        Send(br, k);
        AwaitStats(br, s => Assert.Equal(1, s.Flows));
        Send(br, k);
        AwaitStats(br, s => Assert.Equal(1, s.EmcHits + s.MegaflowHits));

        EventFilter.Exception<InjectedFailureException>(contains: "chaos", source: "vswarm://test/user/br0/datapath/shard-0")
            .ExpectOne(() => br.Tell(new InjectFailure("datapath/shard-0", "chaos")));
        AwaitAssert(() => Assert.Equal(1, rt.ShardRestarts));
        var s = AwaitStats(br, s => Assert.Equal(0, s.Flows));
        Assert.Equal(1, rt.PurgedUkeys);
        Assert.Equal(2, s.Packets); // the old counters are kept

        Send(br, k);
        s = AwaitStats(br, s =>
        {
            Assert.Equal(1, s.Flows);
            Assert.Equal(2, s.Installed);
        });
        Assert.Equal(2, s.Missed);
        Send(br, k);
        AwaitStats(br, s => Assert.Equal(2, s.EmcHits + s.MegaflowHits));
        CheckInvariants(br, rt);
    }

    [Fact]
    public void A_handler_crash_counts_the_upcalls_in_flight_as_lost_and_does_not_block_the_flow()
    {
        var (br, rt) = StartBridge(Options());
        AddFlowsText(br, "priority=10,ip,actions=output:2");
        Sys.ActorSelection("/user/br0/handlers").Tell(GetMembers.Instance, TestActor);
        var handler = ExpectMsg<Members>().Refs[0];

        // A probe plays the shard and never answers the handler's put + execute.
        var shard = CreateTestProbe("shard");
        var k = Tcp(1, "10.0.0.1");
        var upcall = new DpifUpcall(DpifUpcallType.Miss, new ByteBlob(Pkt(k).Frame), k);
        shard.Send(handler, new UpcallsIn(0, [upcall]));
        var ops = shard.ExpectMsg<DpifBatch>();
        Assert.Equal([typeof(DpifFlowPut), typeof(DpifExecute)], ops.Ops.Select(o => o.GetType()));

        EventFilter.Exception<InjectedFailureException>(contains: "boom", source: "vswarm://test/user/br0/handlers/handler-0")
            .ExpectOne(() => br.Tell(new InjectFailure("handlers/handler-0", "boom")));
        var s = AwaitStats(br, s => Assert.Equal(1, s.Lost));
        Assert.Equal(1, rt.HandlerLost);

        // The reply to the dead incarnation is ignored; the flow installs normally.
        shard.Reply(new DpifBatchReply(ops.Id, 0, [new DpifReply(), new DpifReply()]));
        Send(br, k);
        s = AwaitStats(br, s => Assert.Equal(1, s.Installed));
        Assert.Equal(1, s.Flows);
        AwaitAssert(() => Assert.Equal(1, Port(br, 2).Counters.TxPackets));
        CheckInvariants(br, rt);
    }
}
