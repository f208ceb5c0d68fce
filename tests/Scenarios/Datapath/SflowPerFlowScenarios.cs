using VSwarm.Actors.Bridge;
using VSwarm.Actors.Config;
using VSwarm.Actors.Sflow;
using VSwarm.Actors.Xlate;
using VSwarm.Messages.Flow;
using VSwarm.Runtime;
using Xunit;

namespace VSwarm.Tests.Scenarios.Datapath;

/// <summary>
/// Per-flow sFlow through a whole bridge on virtual time (issue 6): translation composes the
/// per-flow sample actions, the datapath samples, the ACTION upcalls reach <c>sflow/flow-&lt;cookie&gt;</c>,
/// and each selected flow is a data source of its own (<c>0:fold24(cookie)</c>).
/// </summary>
public class SflowPerFlowScenarios : DatapathScenarioBase
{
    /// <summary>Rule cookies: two selected by sflow.flows, one with an OpenFlow sample action, one neither; 0x900 is a selected marker.</summary>
    private const string Rules =
        "cookie=0x100,priority=10,tcp,nw_dst=10.0.0.1,actions=output:2\n" +
        "cookie=0x200,priority=10,tcp,nw_dst=10.0.0.2,actions=output:2\n" +
        "cookie=0x300,priority=10,tcp,nw_dst=10.0.0.3,actions=output:3\n" +
        "cookie=0x400,priority=10,tcp,nw_dst=10.0.0.4,actions=sample(probability=65535,collector_set_id=1),output:3\n" +
        "cookie=0x900,priority=10,tcp,nw_dst=10.0.0.9,actions=output:3";

    private TestKit.TestProbe? _tap;

    /// <summary>Receives the datagrams the agents send (kept apart from the test actor's replies).</summary>
    private TestKit.TestProbe Tap => _tap ??= CreateTestProbe("tap");

    private (IActorRef Bridge, BridgeRuntime Rt) Start(string name, uint seed, int selectedRate1, int selectedRate2, int queue = 1 << 20)
    {
        var options = Options(name, handlers: 1);
        options.UpcallQueueCapacity = queue;
        options.Sflow.Collectors = ["127.0.0.1:9"]; // discard port: datagrams are checked through the tap
        options.Sflow.Sampling = 65535;
        options.Sflow.Polling = 0;
        options.Sflow.Flows =
        [
            new SflowFlowSelector { Cookie = "0x100", Sampling = selectedRate1 },
            new SflowFlowSelector { Cookie = "0x200", Sampling = selectedRate2 },
            new SflowFlowSelector { Cookie = "0x900", Sampling = 1 },
        ];
        var settings = new BridgeFactorySettings { Seed = seed, Sflow = SflowAgentActor.Factory(new SflowAgentSettings { Tap = Tap.Ref }) };
        var (br, rt) = StartBridge(options, settings);
        AddFlowsText(br, Rules);
        return (br, rt);
    }

    private static void SendMany(IActorRef br, params (string Dst, int Count)[] flows)
    {
        var keys = flows.SelectMany(f => Enumerable.Range(0, f.Count).Select(i => Tcp(1, f.Dst, tpSrc: (ushort)(1000 + (i % 7))))).ToList();
        foreach (var chunk in keys.Chunk(64))
        {
            Send(br, chunk);
        }
    }

    /// <summary>Sends the marker after the traffic and waits until its sampler has it: every earlier upcall has reached its sampler.</summary>
    private Dictionary<string, SflowSamplerStats> SettleAndStats(IActorRef br)
    {
        SendMany(br, ("10.0.0.9", 1));
        Dictionary<string, SflowSamplerStats> stats = [];
        AwaitAssert(
            () =>
            {
                br.Tell(GetSflowAgentStats.Instance, TestActor);
                stats = ExpectMsg<SflowAgentStats>().Samplers.ToDictionary(x => x.Name, x => x.Stats);
                Assert.True(stats.TryGetValue("flow-900", out var m) && m.SequenceNumber == 1, "marker not sampled yet");
            },
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(20));
        return stats;
    }

    [Fact]
    public void Only_selected_flows_get_per_flow_samples_each_from_its_own_source()
    {
        var (br, _) = Start("br0", 7, 1, 1);
        SendMany(br, ("10.0.0.1", 5), ("10.0.0.2", 3), ("10.0.0.3", 6), ("10.0.0.4", 4));
        var stats = SettleAndStats(br);

        Assert.Equal(["flow-100", "flow-200", "flow-400", "flow-900", "sampler-bridge"], stats.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((0u, 0x100u, 5u), (stats["flow-100"].SourceClass, stats["flow-100"].SourceIndex, stats["flow-100"].SequenceNumber));
        Assert.Equal((0u, 0x200u, 3u), (stats["flow-200"].SourceClass, stats["flow-200"].SourceIndex, stats["flow-200"].SequenceNumber));
        Assert.Equal((0u, 0x400u, 4u, 1u), (stats["flow-400"].SourceClass, stats["flow-400"].SourceIndex, stats["flow-400"].SequenceNumber, stats["flow-400"].SamplingRate));

        // The datagrams: flow samples of class 0 come from exactly those sources, each numbered 1..n.
        AdvanceTime(TimeSpan.FromSeconds(1));
        var samples = new List<SflowFlowSample>();
        while (samples.Count(s => s.SourceIdType == 0) < 13)
        {
            samples.AddRange(SflowDecoder.Decode(Tap.ExpectMsg<SflowDatagramSent>(TimeSpan.FromSeconds(5)).Bytes).Samples.OfType<SflowFlowSample>());
        }

        var perFlow = samples.Where(s => s.SourceIdType == 0).GroupBy(s => s.SourceIdIndex).ToDictionary(g => g.Key, g => g.Select(s => s.SequenceNumber).ToList());
        Assert.Equal([0x100u, 0x200u, 0x400u, 0x900u], perFlow.Keys.Order());
        Assert.Equal([1u, 2u, 3u, 4u, 5u], perFlow[0x100]);
        Assert.Equal([1u, 2u, 3u], perFlow[0x200]);
        Assert.Equal([1u, 2u, 3u, 4u], perFlow[0x400]);
        Assert.All(samples.Where(s => s.SourceIdType == 0 && s.SourceIdIndex == 0x100), s => Assert.Equal(12u, s.Output.Value)); // port 2's ifindex
        Assert.DoesNotContain(samples, s => s.SourceIdType == 0 && s.SourceIdIndex == SflowFlowSamplerIndex.Fold(0x300));
    }

    [Fact]
    public void Per_flow_pool_counts_the_flows_packets_and_lost_sample_upcalls_are_its_drops()
    {
        // A 4-upcall queue: a 64-packet batch of a selected flow at rate 1 overflows it.
        var (br, _) = Start("br0", 3, 1, 1, queue: 4);
        SendMany(br, ("10.0.0.1", 1));
        var first = SettleAndStats(br)["flow-100"];
        Assert.Equal((1u, 0u), (first.SequenceNumber, first.Drops));

        SendMany(br, ("10.0.0.1", 64));
        SendMany(br, ("10.0.0.9", 1)); // a second marker: wait for it
        Dictionary<string, SflowSamplerStats> stats = [];
        AwaitAssert(
            () =>
            {
                br.Tell(GetSflowAgentStats.Instance, TestActor);
                stats = ExpectMsg<SflowAgentStats>().Samplers.ToDictionary(x => x.Name, x => x.Stats);
                Assert.True(stats["flow-900"].SequenceNumber >= 2, "marker not sampled yet");
            },
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(20));
        var flow = stats["flow-100"];
        Assert.True(flow.Drops > 0, $"no drops: {flow}");
        Assert.Equal(65u, flow.SequenceNumber + flow.Drops); // every one of the 65 sample upcalls is a sample or a drop

        // Revalidators push the datapath flow's stats into the rule: the next sample's pool is every packet the flow saw.
        Revalidate(br);
        var rule = DumpOf(br).Flows.Single(f => f.Rule.Cookie == 0x100);
        Assert.True(rule.Packets >= 64, $"rule packets {rule.Packets}");
        SendMany(br, ("10.0.0.1", 1), ("10.0.0.9", 1));
        AwaitAssert(
            () =>
            {
                br.Tell(GetSflowAgentStats.Instance, TestActor);
                stats = ExpectMsg<SflowAgentStats>().Samplers.ToDictionary(x => x.Name, x => x.Stats);
                Assert.True(stats["flow-900"].SequenceNumber >= 3, "marker not sampled yet");
            },
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(20));
        Assert.True(stats["flow-100"].SamplePool >= rule.Packets, $"pool {stats["flow-100"].SamplePool} < rule packets {rule.Packets}");
        Assert.True(stats["flow-100"].SamplePool <= 66, $"pool {stats["flow-100"].SamplePool} > packets sent");
    }

    [Fact]
    public void Samples_times_the_rate_estimate_each_selected_flows_packets_within_3_sigma_over_10_seeds()
    {
        const int packetsA = 3000, packetsB = 2000;
        const int rateA = 16, rateB = 40;
        for (uint seed = 1; seed <= 10; seed++)
        {
            var (br, _) = Start($"acc{seed}", seed * 7919, rateA, rateB);
            SendMany(br, ("10.0.0.1", packetsA), ("10.0.0.2", packetsB));
            var stats = SettleAndStats(br);
            foreach (var (name, rate, packets) in new[] { ("flow-100", rateA, packetsA), ("flow-200", rateB, packetsB) })
            {
                var p = new SflowSampling((uint)rate).Probability / (double)uint.MaxValue;
                var sigma = Math.Sqrt(packets * p * (1 - p)) * rate;
                var estimate = stats[name].SequenceNumber * (double)stats[name].SamplingRate;
                Assert.Equal((uint)rate, stats[name].SamplingRate);
                Assert.Equal(0u, stats[name].Drops);
                Assert.True(Math.Abs(estimate - packets) <= 3 * sigma,
                    $"seed {seed} {name}: {stats[name].SequenceNumber} samples × {rate} = {estimate}, packets {packets}, 3σ = {3 * sigma:F0}");
            }

            Sys.Stop(br);
        }
    }
}
