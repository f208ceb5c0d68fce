using VSwarm.Actors.Bridge;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Config;
using VSwarm.Actors.Tables;
using VSwarm.Runtime;
using VSwarm.TestKit;
using Xunit;

namespace VSwarm.Tests.Scenarios.Bridge;

/// <summary>A bridge's classifier on virtual time: flow-mods, notifications, expiry, supervision.</summary>
public class BridgeScenarioTests : TestKit.TestKit
{
    public BridgeScenarioTests()
        : base(new TestKitSettings { VirtualTime = true })
    {
    }

    private static BridgeOptions Br0() => new()
    {
        Name = "br0",
        Ports = [new PortOptions { Name = "p1", Ofport = 1, Ifindex = 11 }, new PortOptions { Name = "p2", Ofport = 2, Ifindex = 12 }],
    };

    /// <summary>Starts br0 and subscribes a probe as its revalidator (consuming the Subscribed notice).</summary>
    private (IActorRef Bridge, BridgeState State, TestProbe Reval) StartBridge(BridgeComponents? components = null)
    {
        var state = new BridgeState(Br0());
        var bridge = Sys.ActorOf(BridgeProps.Create(state, components), "br0");
        var reval = CreateTestProbe("reval");
        bridge.Tell(new SubscribeTables(reval.Ref));
        var first = reval.ExpectMsg<TablesChanged>();
        Assert.Equal(TablesChangeReason.Subscribed, first.Reason);
        return (bridge, state, reval);
    }

    private FlowModResult Send(IActorRef bridge, object message)
    {
        bridge.Tell(message, TestActor);
        return ExpectMsg<FlowModResult>();
    }

    [Fact]
    public void Adding_flows_publishes_a_version_and_notifies_the_revalidator()
    {
        var (bridge, state, reval) = StartBridge();
        var result = Send(bridge, AddFlows.FromText("""
            priority=100,ip,nw_dst=10.0.0.0/8,actions=output:2
            priority=0,actions=drop
            """));
        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(2, result.Report!.Added.Length);

        var changed = reval.ExpectMsg<TablesChanged>();
        Assert.Equal(TablesChangeReason.FlowMod, changed.Reason);
        Assert.Equal(result.Report.Version, changed.Version);
        Assert.Equal(state.Tables.Version, changed.Version);
        Assert.Equal(1, changed.RevalSeq);

        bridge.Tell(new DumpFlows(), TestActor);
        var dump = ExpectMsg<FlowDump>();
        Assert.Equal(changed.Version, dump.Version);
        Assert.Equal(
            " cookie=0x0, duration=0.000s, table=0, n_packets=0, n_bytes=0, priority=100,ip,nw_dst=10.0.0.0/8 actions=output:2\n" +
            " cookie=0x0, duration=0.000s, table=0, n_packets=0, n_bytes=0, priority=0 actions=drop\n",
            dump.Text);

        // A batch that changes nothing does not move reval_seq.
        Assert.False(Send(bridge, new DeleteFlows("udp")).Report!.Changed);
        reval.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Check_overlap_rejects_the_batch_with_an_error_reply()
    {
        var (bridge, state, reval) = StartBridge();
        Assert.True(Send(bridge, AddFlows.FromText("priority=100,in_port=1,actions=drop")).IsSuccess);
        reval.ExpectMsg<TablesChanged>();
        var version = state.Tables.Version;

        var result = Send(bridge, AddFlows.FromText("priority=100,dl_type=0x0800,actions=output:2", checkOverlap: true));
        Assert.False(result.IsSuccess);
        Assert.Equal(FlowModErrorCode.Overlap, result.Error!.Code);
        Assert.Equal(version, state.Tables.Version);
        reval.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        // A different priority does not overlap.
        Assert.True(Send(bridge, AddFlows.FromText("priority=101,dl_type=0x0800,actions=output:2", checkOverlap: true)).IsSuccess);

        // Bad text is a parse error naming the line, and nothing is added.
        var bad = Send(bridge, AddFlows.FromText("priority=5,actions=drop\npriority=6,bogus=1,actions=drop"));
        Assert.Equal(FlowModErrorCode.ParseError, bad.Error!.Code);
        Assert.Equal(1, bad.Error.Index);
        Assert.Equal(2, state.Tables.Entries(version: state.Tables.Version).Count());
    }

    [Fact]
    public void Delete_with_a_cookie_mask_removes_only_that_cookie_range()
    {
        var (bridge, state, reval) = StartBridge();
        Send(bridge, AddFlows.FromText("""
            cookie=0x1001,priority=10,ip,actions=output:1
            cookie=0x1002,priority=20,arp,actions=output:1
            cookie=0x2001,priority=30,ipv6,actions=output:2
            """));
        reval.ExpectMsg<TablesChanged>();
        var result = Send(bridge, new DeleteFlows("cookie=0x1000/0xf000"));
        Assert.Equal([0x1001UL, 0x1002UL], result.Report!.Deleted.Select(e => e.Rule.Cookie).Order());
        Assert.Equal(TablesChangeReason.FlowMod, reval.ExpectMsg<TablesChanged>().Reason);
        Assert.Equal([0x2001UL], state.Tables.Entries(version: state.Tables.Version).Select(e => e.Rule.Cookie));
    }

    [Fact]
    public void Idle_and_hard_timeouts_expire_on_virtual_time()
    {
        var (bridge, state, reval) = StartBridge();
        AwaitTimers(); // the classifier's expiry timer
        Send(bridge, AddFlows.FromText("""
            priority=10,idle_timeout=2,ip,actions=output:1
            priority=20,hard_timeout=3,arp,actions=output:1
            priority=0,actions=drop
            """));
        reval.ExpectMsg<TablesChanged>();
        var ip = state.Tables.Entries().Single(e => e.Rule.Priority == 10);

        AdvanceTime(TimeSpan.FromSeconds(1));
        ip.PushStats(1, 100, BridgeState.NowMs(Scheduler)); // a revalidator attributes a packet at t=1 s
        AdvanceTime(TimeSpan.FromSeconds(1));               // t=2 s: ip is idle for 1 s only
        reval.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        AdvanceTime(TimeSpan.FromSeconds(1));               // t=3 s: arp hard timeout, ip idle 2 s
        var expired = reval.ExpectMsg<TablesChanged>();
        Assert.Equal(TablesChangeReason.Expiry, expired.Reason);
        bridge.Tell(new DumpFlows(), TestActor);
        var dump = ExpectMsg<FlowDump>();
        Assert.Equal(expired.Version, dump.Version);
        Assert.Equal([0], dump.Flows.Select(f => (int)f.Rule.Priority));

        // One tick later the removed entries are physically gone.
        AdvanceTime(TimeSpan.FromSeconds(1));
        AwaitCondition(() => state.FlowMods.PendingRemovalCount == 0);
        Assert.Single(state.Tables.Entries());
    }

    [Fact]
    public void A_crashed_classifier_is_restarted_with_its_rules_and_subscribers_and_the_failure_is_logged_with_its_path()
    {
        var (bridge, state, reval) = StartBridge();
        Send(bridge, AddFlows.FromText("cookie=0x7,priority=10,ip,actions=output:1"));
        reval.ExpectMsg<TablesChanged>();
        var version = state.Tables.Version;

        EventFilter.Exception<InjectedFailureException>(contains: "chaos", source: "vswarm://test/user/br0/classifier")
            .ExpectOne(() => bridge.Tell(new InjectFailure(BridgeActor.ClassifierName, "chaos")));

        bridge.Tell(new DumpFlows(), TestActor);
        var dump = ExpectMsg<FlowDump>();
        Assert.Equal(version, dump.Version);
        Assert.Equal(0x7UL, Assert.Single(dump.Flows).Rule.Cookie);

        // The restarted classifier still notifies the old subscriber.
        Assert.True(Send(bridge, new ModifyFlows("ip,actions=output:2")).IsSuccess);
        var changed = reval.ExpectMsg<TablesChanged>();
        Assert.Equal(version + 1, changed.Version);
        Assert.Equal(2, changed.RevalSeq);
    }

    [Fact]
    public void Ports_come_from_the_options_and_count_traffic()
    {
        var (bridge, _, _) = StartBridge();
        bridge.Tell(new PortStats(1, new PortCounters(RxPackets: 3, RxBytes: 300)));
        bridge.Tell(new PortStats(1, new PortCounters(TxPackets: 1, TxBytes: 60, Drops: 2)));
        bridge.Tell(GetPorts.Instance, TestActor);
        var ports = ExpectMsg<Ports>();
        Assert.Equal([("p1", 1, 11), ("p2", 2, 12)], ports.Items.Select(p => (p.Name, p.Ofport, p.Ifindex)));
        Assert.Equal(new PortCounters(3, 300, 1, 60, 2), ports.Items[0].Counters);
        EventFilter.Warning(contains: "unknown port 9").ExpectOne(() => bridge.Tell(new PortStats(9, new PortCounters(Drops: 1))));
    }

    /// <summary>A stand-in for the revalidator actor: subscribes to the classifier from its context and reports.</summary>
    private sealed class FakeRevalidator : ReceiveActor
    {
        public FakeRevalidator(BridgeContext ctx, int index, IActorRef report)
        {
            Receive<TablesChanged>(t => report.Tell($"{Self.Path.Name}:{t.Reason}:{t.RevalSeq}"));
            Receive<string>(s => s == "crash", _ => throw new InvalidOperationException("reval boom"));
            ctx.Classifier.Tell(new SubscribeTables(Self));
            report.Tell($"started {Self.Path} {index} shards={ctx.Datapath.Path.Name} nobody={ctx.Handlers.Equals(ActorRefs.Nobody)}");
        }
    }

    private sealed class Idle : ReceiveActor
    {
    }

    [Fact]
    public void Plugged_in_groups_get_the_context_and_are_restarted_one_for_one()
    {
        var report = CreateTestProbe("report");
        var components = new BridgeComponents
        {
            Shard = (_, _) => Props.Create(() => new Idle()),
            Revalidator = (ctx, i) => Props.Create(() => new FakeRevalidator(ctx, i, report.Ref)),
        };
        var (bridge, _, _) = StartBridge(components);
        report.ExpectMsg("started vswarm://test/user/br0/revalidators/revalidator-0 0 shards=datapath nobody=True");
        report.ExpectMsg("revalidator-0:Subscribed:0");

        bridge.Tell(new RequestRevalidation("port toggled"));
        report.ExpectMsg("revalidator-0:Other:1");

        var group = Sys.ActorSelection("/user/br0/revalidators");
        group.Tell(new GetMembers(), TestActor);
        var member = Assert.Single(ExpectMsg<Members>().Refs);
        EventFilter.Exception<InvalidOperationException>(source: "vswarm://test/user/br0/revalidators/revalidator-0")
            .ExpectOne(() => group.Tell(new ToMember(0, "crash")));
        report.ExpectMsg<string>(s => s.StartsWith("started", StringComparison.Ordinal));
        report.ExpectMsg("revalidator-0:Subscribed:1");

        Sys.ActorSelection("/user/br0/datapath").Tell(GetMembers.Instance, TestActor);
        Assert.Equal("shard-0", Assert.Single(ExpectMsg<Members>().Refs).Path.Name);
        Assert.NotNull(member);
    }
}
