using System.Net;
using System.Net.Sockets;
using VSwarm.Actors.Bridge;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Config;
using VSwarm.Actors.Sflow;
using VSwarm.Messages.Cookies;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;
using VSwarm.Messages.Flow;
using VSwarm.Runtime;
using VSwarm.TestKit;
using Xunit;

namespace VSwarm.Tests.Unit.Sflow;

/// <summary>The sFlow agent actor on virtual time: routing by rule cookie, packing, 1-s flush, UDP.</summary>
public sealed class SflowAgentActorTests : TestKit.TestKit
{
    private static readonly Guid Ofproto = Guid.Parse("5f0c5e2a-9a4b-4c8e-8f00-000000000001");

    public SflowAgentActorTests()
        : base(new TestKitSettings { VirtualTime = true })
    {
    }

    private (IActorRef Agent, UdpClient Collector) StartAgent(params SflowFlowSelector[] flows) => StartAgent(null, flows);

    private (IActorRef Agent, UdpClient Collector) StartAgent(BridgeState? state, params SflowFlowSelector[] flows)
    {
        var collector = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var options = new BridgeOptions
        {
            Name = "br0",
            Ports = [new PortOptions { Name = "p1", Ofport = 1, Ifindex = 1004 }, new PortOptions { Name = "p2", Ofport = 2, Ifindex = 1003 }],
            Sflow = new SflowOptions
            {
                Agent = "192.0.2.10",
                Collectors = [((IPEndPoint)collector.Client.LocalEndPoint!).ToString()],
                Sampling = 1,
                Flows = [.. flows],
            },
        };
        var nobody = ActorRefs.Nobody;
        var ctx = new BridgeContext(options, state ?? new BridgeState(options), nobody, nobody, nobody, nobody, nobody);
        var agent = Sys.ActorOf(SflowAgentActor.Props(ctx, new SflowAgentSettings { Tap = TestActor }), "sflow");
        AwaitTimers();
        return (agent, collector);
    }

    private static DpifUpcall Upcall(int length, uint inPort, uint output, ulong ruleCookie = 0, SflowCookieFlags flags = SflowCookieFlags.None, uint rate = 0) =>
        new(DpifUpcallType.Action, new ByteBlob(Enumerable.Repeat((byte)0x11, length).ToArray()), default(FlowKey),
            Userdata: ByteBlob.FromOwned(new SflowCookie(inPort, Ofproto, 0, output, ruleCookie, flags, rate).ToBytes()));

    private SflowSamplerStats SamplerStats(string name)
    {
        Sys.ActorSelection("/user/sflow/" + name).Tell(GetSflowSamplerStats.Instance, TestActor);
        return ExpectMsg<SflowSamplerStats>();
    }

    private SflowAgentStats AgentStats(IActorRef agent)
    {
        agent.Tell(GetSflowAgentStats.Instance, TestActor);
        return FishForMessage<SflowAgentStats>(_ => true);
    }

    /// <summary>Asks each sampler for its stats: a sampler tells its samples to the agent before it answers.</summary>
    private void AwaitSamplers(params string[] names)
    {
        foreach (var n in names)
        {
            Sys.ActorSelection("/user/sflow/" + n).Tell(GetSflowSamplerStats.Instance, TestActor);
            ExpectMsg<SflowSamplerStats>();
        }
    }

    [Fact]
    public void Bridge_samples_are_flushed_at_the_tick_and_sent_to_the_collector()
    {
        var (agent, collector) = StartAgent();
        using (collector)
        {
            agent.Tell(Upcall(42, 1, 0x80000002));
            agent.Tell(Upcall(106, 2, 1004));
            AwaitSamplers("sampler-bridge"); // its samples are in the agent's mailbox before the tick
            ExpectNoMsg(TimeSpan.FromMilliseconds(50));
            AdvanceTime(TimeSpan.FromSeconds(1));
            var sent = ExpectMsg<SflowDatagramSent>();
            var d = SflowDecoder.Decode(sent.Bytes);
            Assert.Equal((IPAddress.Parse("192.0.2.10"), 1u, 1000u), (d.Agent, d.SequenceNumber, d.UptimeMs));
            var samples = d.Samples.Cast<SflowFlowSample>().ToList();
            Assert.Equal(2, samples.Count);
            Assert.All(samples, s => Assert.Equal((2u, 1000u), (s.SourceIdType, s.SourceIdIndex)));
            Assert.Equal((1u, 1u, 1004u, 2u, 2u), (samples[0].SequenceNumber, samples[0].SamplePool, samples[0].Input.Value, samples[0].Output.FormatBits, samples[0].Output.Value));
            Assert.Equal((2u, 2u, 1003u, 1004u), (samples[1].SequenceNumber, samples[1].SamplePool, samples[1].Input.Value, samples[1].Output.Value));
            Assert.Equal(46u, ((SflowSampledHeader)samples[0].Records[1]).FrameLength);

            collector.Client.ReceiveTimeout = 5000;
            IPEndPoint? from = null;
            Assert.Equal(sent.Bytes, collector.Receive(ref from));
        }
    }

    [Fact]
    public void Selected_rule_cookies_get_their_own_sampler_and_sequence()
    {
        var (agent, collector) = StartAgent(new SflowFlowSelector { Cookie = "0x4200", Mask = "0xff00", Sampling = 8 });
        using (collector)
        {
            agent.Tell(Upcall(60, 1, 1003, ruleCookie: 0x4201, flags: SflowCookieFlags.PerFlow));
            agent.Tell(Upcall(60, 1, 1003, ruleCookie: 0x9999));
            agent.Tell(Upcall(60, 1, 1003, ruleCookie: 0x4201)); // the bridge's own action on a selected rule
            agent.Tell(Upcall(60, 1, 1003, ruleCookie: 0x4201, flags: SflowCookieFlags.PerFlow));
            agent.Tell(Upcall(60, 1, 1003, ruleCookie: 0x77, flags: SflowCookieFlags.PerFlow));
            AwaitAssert(() => Assert.NotEqual(ActorRefs.Nobody, Sys.ActorSelection("/user/sflow/flow-77").ResolveOne(TimeSpan.FromSeconds(1)).Result));
            AwaitSamplers("sampler-bridge", "flow-4201", "flow-77");
            AdvanceTime(TimeSpan.FromSeconds(1));
            var d = SflowDecoder.Decode(ExpectMsg<SflowDatagramSent>().Bytes);
            var samples = d.Samples.Cast<SflowFlowSample>().ToList();
            Assert.Equal(5, samples.Count);
            var flow = samples.Where(s => s.SourceIdType == 0 && s.SourceIdIndex == 0x4201).ToList();
            Assert.Equal([1u, 2u], flow.Select(s => s.SequenceNumber));
            Assert.Equal([1u, 2u], flow.Select(s => s.SamplePool)); // no rule stats yet: each sample is one packet seen
            var bridge = samples.Where(s => s.SourceIdType == 2).ToList();
            Assert.Equal([1u, 2u], bridge.Select(s => s.SequenceNumber));
            Assert.All(bridge, s => Assert.Equal((1000u, 1u), (s.SourceIdIndex, s.SamplingRate)));
            Assert.Single(samples, s => s.SourceIdType == 0 && s.SourceIdIndex == 0x77);

            Sys.ActorSelection("/user/sflow/flow-4201").Tell(GetSflowSamplerStats.Instance, TestActor);
            Assert.Equal(new SflowSamplerStats(0, 0x4201, 8, 2, 2, 0), ExpectMsg<SflowSamplerStats>());
        }
    }

    [Fact]
    public void Port_pollers_send_counter_samples_every_interval_through_the_receiver()
    {
        var options = new BridgeOptions
        {
            Name = "br0",
            Ports = [new PortOptions { Name = "p1", Ofport = 1, Ifindex = 1004 }, new PortOptions { Name = "p2", Ofport = 2, Ifindex = 1003 }, new PortOptions { Name = "p3", Ofport = 3 }],
            Sflow = new SflowOptions { Agent = "192.0.2.10", Polling = 2 },
        };
        var state = new BridgeState(options);
        state.Ports.Add(1, new PortCounters(RxPackets: 5, RxBytes: 500, TxPackets: 2, TxBytes: 120, Drops: 1));
        var nobody = ActorRefs.Nobody;
        var ctx = new BridgeContext(options, state, nobody, nobody, nobody, nobody, nobody);
        var agent = Sys.ActorOf(SflowAgentActor.Props(ctx, new SflowAgentSettings { Tap = TestActor, PollingSeed = 3 }), "sflow");
        AwaitTimers();
        var samples = new List<SflowCountersSample>();
        SflowAgentStats? stats = null;
        for (var tick = 0; tick < 4; tick++)
        {
            AdvanceTime(TimeSpan.FromSeconds(1));
            agent.Tell(GetSflowAgentStats.Instance, TestActor);
            while (true)
            {
                var m = ExpectMsg<object>();
                if (m is SflowAgentStats s)
                {
                    stats = s;
                    break;
                }

                samples.AddRange(SflowDecoder.Decode(((SflowDatagramSent)m).Bytes).Samples.Cast<SflowCountersSample>());
            }
        }

        // Each of the two ports with an ifindex polled twice in 4 s (interval 2), with its own sequence.
        Assert.Equal(4, samples.Count);
        Assert.Equal(4, stats!.CounterSamples);
        foreach (var ifIndex in new[] { 1004u, 1003u })
        {
            var mine = samples.Where(s => s.SourceIdIndex == ifIndex).ToList();
            Assert.Equal([1u, 2u], mine.Select(s => s.SequenceNumber));
            Assert.All(mine, s => Assert.Equal(0u, s.SourceIdType));
        }

        var p1 = (SflowIfCounters)samples.First(s => s.SourceIdIndex == 1004).Records[1];
        Assert.Equal((5u, 500ul, 2u, 120ul, 1u), (p1.IfInUcastPkts, p1.IfInOctets, p1.IfOutUcastPkts, p1.IfOutOctets, p1.IfInDiscards));
    }

    [Fact]
    public void Of_sample_upcalls_make_a_sampler_at_the_cookies_rate_and_lost_upcalls_are_its_drops()
    {
        var (agent, collector) = StartAgent();
        using (collector)
        {
            const SflowCookieFlags of = SflowCookieFlags.PerFlow | SflowCookieFlags.OfSample;
            agent.Tell(Upcall(60, 1, 1003, ruleCookie: 0x5151, flags: of, rate: 100));
            agent.Tell(new SflowUpcallsLost([(0x5151ul, of, 100u, 4L), (0ul, SflowCookieFlags.None, 0u, 2L)]));
            agent.Tell(Upcall(60, 1, 1003, ruleCookie: 0x5151, flags: of, rate: 100));
            AwaitAssert(() => Assert.NotEqual(ActorRefs.Nobody, Sys.ActorSelection("/user/sflow/flow-5151").ResolveOne(TimeSpan.FromSeconds(1)).Result));
            var stats = AgentStats(agent).Samplers.ToDictionary(x => x.Name, x => x.Stats);
            Assert.Equal(new SflowSamplerStats(0, 0x5151, 100, 2, 2, 4), stats["flow-5151"]);
            Assert.Equal(2u, stats["sampler-bridge"].Drops);
            AdvanceTime(TimeSpan.FromSeconds(1));
            var samples = SflowDecoder.Decode(FishForMessage<SflowDatagramSent>(_ => true).Bytes).Samples.Cast<SflowFlowSample>().ToList();
            Assert.Equal([(100u, 0u), (100u, 4u)], samples.Select(x => (x.SamplingRate, x.Drops)));
        }
    }

    [Fact]
    public void Per_flow_pool_is_the_packets_revalidators_pushed_into_the_rules_with_that_cookie()
    {
        var options = new BridgeOptions { Name = "br0" };
        var state = new BridgeState(options);
        var entries = new[] { "cookie=0x4201,priority=2,ip,actions=drop", "cookie=0x4201,priority=1,arp,actions=drop", "cookie=0x9,priority=0,actions=drop" }
            .Select(t => new VSwarm.Actors.Tables.FlowEntry(VSwarm.Messages.Ofctl.OfctlFlowParser.ParseFlow(t), state.Tables.NextVersion)).ToList();
        entries.ForEach(state.Tables.Insert);
        state.Tables.Publish();
        var (agent, collector) = StartAgent(state, new SflowFlowSelector { Cookie = "0x4201", Sampling = 50 });
        using (collector)
        {
            entries[0].PushStats(700, 0, 1);
            entries[1].PushStats(300, 0, 1);
            entries[2].PushStats(5000, 0, 1); // another cookie: not this flow's packets
            agent.Tell(Upcall(60, 1, 1003, ruleCookie: 0x4201, flags: SflowCookieFlags.PerFlow));
            AwaitAssert(() => Assert.NotEqual(ActorRefs.Nobody, Sys.ActorSelection("/user/sflow/flow-4201").ResolveOne(TimeSpan.FromSeconds(1)).Result));
            Assert.Equal(1000u, SamplerStats("flow-4201").SamplePool);
            entries[0].PushStats(500, 0, 2);
            agent.Tell(Upcall(60, 1, 1003, ruleCookie: 0x4201, flags: SflowCookieFlags.PerFlow));
            Assert.Equal(new SflowSamplerStats(0, 0x4201, 50, 2, 1500, 0), AgentStats(agent).Samplers.Single(x => x.Name == "flow-4201").Stats);
        }
    }

    [Fact]
    public void A_cookie_folding_onto_a_port_ifindex_is_refused_logged_and_counted()
    {
        // 1004 is port p1's ifIndex; 0x3EC << 24 folds to 0x3EC = 1004 too.
        var (agent, collector) = StartAgent(new SflowFlowSelector { Cookie = "1004" }, new SflowFlowSelector { Cookie = "0x3ec000000", Mask = "0xfff000000" });
        using (collector)
        {
            Assert.Equal(1, AgentStats(agent).Collisions); // the exact selector, at start
            agent.Tell(Upcall(60, 1, 1003, ruleCookie: 1004, flags: SflowCookieFlags.PerFlow));
            agent.Tell(Upcall(60, 1, 1003, ruleCookie: 0x3EC000000, flags: SflowCookieFlags.PerFlow));
            agent.Tell(Upcall(60, 1, 1003, ruleCookie: 0x3EC000000, flags: SflowCookieFlags.PerFlow));
            var stats = AgentStats(agent);
            Assert.Equal((2L, 3L), (stats.Collisions, stats.Refused));
            Assert.DoesNotContain(stats.Samplers, x => x.Name.StartsWith("flow-", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_final_stats_question_sends_what_the_receiver_holds_first_and_stops_the_tick()
    {
        var (agent, collector) = StartAgent();
        using (collector)
        {
            agent.Tell(Upcall(60, 1, 1003));
            agent.Tell(Upcall(60, 1, 1003));
            agent.Tell(new GetSflowAgentStats { Final = true }, TestActor);
            var sent = ExpectMsg<SflowDatagramSent>(); // before the answer
            Assert.Equal(2, SflowDecoder.Decode(sent.Bytes).Samples.Count);
            var stats = ExpectMsg<SflowAgentStats>();
            Assert.Equal((1L, 2L), (stats.Datagrams, stats.Samples));
            agent.Tell(Upcall(60, 1, 1003));
            AdvanceTime(TimeSpan.FromSeconds(3));
            ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // no tick any more
        }
    }
}
