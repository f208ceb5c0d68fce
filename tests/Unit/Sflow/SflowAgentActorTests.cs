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

    private (IActorRef Agent, UdpClient Collector) StartAgent(params SflowFlowSelector[] flows)
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
        var ctx = new BridgeContext(options, new BridgeState(options), nobody, nobody, nobody, nobody, nobody);
        var agent = Sys.ActorOf(SflowAgentActor.Props(ctx, new SflowAgentSettings { Tap = TestActor }), "sflow");
        AwaitTimers();
        return (agent, collector);
    }

    private static DpifUpcall Upcall(int length, uint inPort, uint output, ulong ruleCookie = 0, SflowCookieFlags flags = SflowCookieFlags.None) =>
        new(DpifUpcallType.Action, new ByteBlob(Enumerable.Repeat((byte)0x11, length).ToArray()), default(FlowKey),
            Userdata: ByteBlob.FromOwned(new SflowCookie(inPort, Ofproto, 0, output, ruleCookie, flags).ToBytes()));

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
            var flow = samples.Where(s => s.SourceIdType == 3 && s.SourceIdIndex == 0x4201).ToList();
            Assert.Equal([1u, 2u], flow.Select(s => s.SequenceNumber));
            Assert.Equal([8u, 16u], flow.Select(s => s.SamplePool));
            var bridge = samples.Where(s => s.SourceIdType == 2).ToList();
            Assert.Equal([1u, 2u], bridge.Select(s => s.SequenceNumber));
            Assert.All(bridge, s => Assert.Equal((1000u, 1u), (s.SourceIdIndex, s.SamplingRate)));
            Assert.Single(samples, s => s.SourceIdType == 3 && s.SourceIdIndex == 0x77);

            Sys.ActorSelection("/user/sflow/flow-4201").Tell(GetSflowSamplerStats.Instance, TestActor);
            Assert.Equal(new SflowSamplerStats(3, 0x4201, 8, 2, 16, 0), ExpectMsg<SflowSamplerStats>());
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
}
