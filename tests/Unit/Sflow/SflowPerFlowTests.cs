using FsCheck;
using FsCheck.Fluent;
using VSwarm.Actors.Sflow;
using VSwarm.Actors.Xlate;
using VSwarm.Messages.Cookies;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Ofctl;
using VSwarm.Messages.Odp;
using VSwarm.Tests.Unit.Xlate;
using Xunit;
using Of = VSwarm.Messages.OpenFlow;

namespace VSwarm.Tests.Unit.Sflow;

/// <summary>
/// Per-flow sFlow (issue 6): the OpenFlow <c>sample(…)</c> action feeds the executing rule's
/// per-flow sampler; per-flow sources are <c>0:fold24(cookie)</c> with collisions refused;
/// per-flow pools count the flow's packets.
/// </summary>
public class SflowPerFlowTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(300);

    [Fact]
    public void Ofctl_sample_action_round_trips_through_text() =>
        Prop.ForAll(
            Gen.Choose(1, 65535).SelectMany(p => Gen.Choose(0, int.MaxValue).SelectMany(a => Gen.Choose(0, int.MaxValue).Select(b => (p, a, b)))).ToArbitrary(),
            t =>
            {
                var (p, a, b) = t;
                var action = new Of.SampleAction((ushort)p, (uint)a, (uint)b * 2u, (uint)(a ^ b));
                var text = OfctlFlowFormatter.FormatAction(action);
                var back = Assert.Single(OfctlFlowParser.ParseActions(text));
                Assert.Equal(action, back);
                Assert.Equal(text, OfctlFlowFormatter.FormatAction(back));
            }).Check(Quick);

    [Theory]
    [InlineData("sample(probability=0)", "probability value '0'")]
    [InlineData("sample(collector_set_id=1)", "sample needs probability")]
    [InlineData("sample(probability=70000)", "probability")]
    [InlineData("sample(probability=5,bogus=1)", "unknown sample argument 'bogus'")]
    public void Bad_sample_actions_name_the_problem(string text, string message)
    {
        var e = Assert.ThrowsAny<Exception>(() => OfctlFlowParser.ParseActions(text));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData((ushort)65535, 1u)]
    [InlineData((ushort)655, 100u)]
    [InlineData((ushort)164, 400u)]
    [InlineData((ushort)1, 65535u)]
    public void Of_sample_rate_is_65535_over_the_probability(ushort p, uint rate) =>
        Assert.Equal(rate, VSwarm.Actors.Xlate.Xlate.OfSampleRate(p));

    [Fact]
    public void With_sflow_on_the_sample_action_becomes_a_per_flow_sflow_sample_of_the_executing_rule()
    {
        var ports = new[] { new XlatePort(1, 1004), new XlatePort(2, 1003), new XlatePort(3, 1002) };
        var bridge = new XlateBridge(ports, sflow: new SflowSampling(64));
        var bed = new XlateTestBed(
            "table=0,cookie=0x77,priority=1,ip,actions=sample(probability=655,collector_set_id=1),resubmit(,1)\n" +
            "table=1,cookie=0x99,priority=1,ip,actions=output:2", bridge);
        var r = bed.Translate("in_port=1,ip,nw_src=1.1.1.1");
        var samples = r.Actions.OfType<SampleAction>().ToList();
        Assert.Equal(2, samples.Count); // the bridge's sampler first, then the OpenFlow action's, then the output
        Assert.IsType<OutputAction>(r.Actions[^1]);
        var bridgeCookie = Assert.IsType<SflowCookie>(samples[0].Actions.OfType<UserspaceAction>().Single().Cookie);
        Assert.Equal((SflowCookieFlags.None, 0x99ul), (bridgeCookie.Flags, bridgeCookie.RuleCookie));

        var of = samples[1];
        Assert.Equal(VSwarm.Actors.Xlate.Xlate.FlowSampleProbability(655), of.Probability);
        var c = Assert.IsType<SflowCookie>(of.Actions.OfType<UserspaceAction>().Single().Cookie);
        Assert.Equal(SflowCookieFlags.PerFlow | SflowCookieFlags.OfSample, c.Flags);
        Assert.Equal(0x77ul, c.RuleCookie);   // the rule whose actions hold sample(), not the last rule
        Assert.Equal(100u, c.SamplingRate);
        Assert.Equal(1003u, c.Output);        // completed when translation ended (one output, ifindex 1003)
        Assert.Contains("sFlow(vid=0,pcp=0,output=1003,rule_cookie=0x77,flags=0x3,rate=100)", r.Actions.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_sflow_the_sample_action_stays_ovs_flow_sample_and_a_selected_rule_keeps_its_selector_sampler()
    {
        var rules = "cookie=0x42,priority=1,ip,actions=sample(probability=100,collector_set_id=1),output:2";
        Assert.Equal("2", new XlateTestBed(rules).Translate("in_port=1,ip,nw_src=1.1.1.1").Actions.ToString());

        var selected = new XlateBridge(
            Enumerable.Range(1, 3).Select(i => new XlatePort((uint)i)),
            sflow: new SflowSampling(64),
            sflowFlows: [new SflowFlowSampling(0x42, ulong.MaxValue, new SflowSampling(8))]);
        var r = new XlateTestBed(rules, selected).Translate("in_port=1,ip,nw_src=1.1.1.1");
        var cookies = r.Actions.OfType<SampleAction>().Select(s => (SflowCookie)s.Actions.OfType<UserspaceAction>().Single().Cookie!).ToList();
        Assert.Equal([SflowCookieFlags.None, SflowCookieFlags.PerFlow], cookies.Select(c => c.Flags));
        Assert.Equal(0u, cookies[1].SamplingRate); // the selector's rate, held by the agent
    }

    [Fact]
    public void Cookie_rate_survives_bytes_and_odp_text()
    {
        var c = new SflowCookie(3, Guid.Parse("5f0c5e2a-9a4b-4c8e-8f00-000000000001"), 0x2005, 7, 0xABCDEF, SflowCookieFlags.PerFlow | SflowCookieFlags.OfSample, 250);
        var bytes = c.ToBytes();
        Assert.Equal([0, 0, 0, 250], bytes[44..48].Reverse());
        Assert.True(UserActionCookie.TryDecode(bytes, out var back));
        Assert.Equal(c, back);
        var actions = DpActions.Of(UserspaceAction.WithCookie(1, c));
        Assert.Equal(actions, OdpParser.ParseActions(OdpFormatter.FormatActions(actions, lossless: true)));
    }

    [Fact]
    public void Per_flow_indexes_in_class_0_refuse_port_ifindexes_and_other_cookies()
    {
        var idx = new SflowFlowSamplerIndex(0, [1003, 1004]);
        var e = Assert.Throws<SflowIndexCollisionException>(() => idx.Register(1004));
        Assert.Null(e.Existing);
        Assert.Contains("ifIndex of a port", e.Message, StringComparison.Ordinal);
        Assert.False(idx.TryGetIndex(1004, out _));
        Assert.Equal(1005u, idx.Register(1005));
        // 0x3ED << 24 | 0 folds to 0x3ED = 1005 as well: refused, naming both cookies.
        var clash = Assert.Throws<SflowIndexCollisionException>(() => idx.Register(0x3EDul << 24));
        Assert.Equal((1005ul, 1005u), (clash.Existing!.Value, clash.Index));
        Prop.ForAll(Gen.Choose(0, int.MaxValue).SelectMany(a => Gen.Choose(0, int.MaxValue).Select(b => (a, b))).ToArbitrary(), t =>
        {
            var cookie = ((ulong)(uint)t.a << 33) | (uint)t.b;
            var f = SflowFlowSamplerIndex.Fold(cookie);
            Assert.InRange(f, 1u, 0xFF_FFFFu);
            Assert.Equal(f, SflowFlowSamplerIndex.Fold(cookie)); // deterministic
            var i = new SflowFlowSamplerIndex(0, [f]);
            Assert.Throws<SflowIndexCollisionException>(() => i.Register(cookie));
        }).Check(Quick);
    }

    [Fact]
    public void Per_flow_pool_follows_the_flows_packets_and_never_goes_back()
    {
        var s = new SflowSampler(0, 0x77, 100);
        var pools = new List<uint>();
        foreach (long? seen in new long?[] { null, 0, 250, 240, 1000 })
        {
            pools.Add(s.Sample(new byte[60], 1, 2, seenPackets: seen ?? 0).SamplePool);
        }

        Assert.Equal([1u, 2u, 250u, 251u, 1000u], pools);
        s.CountDrop(3);
        Assert.Equal(3u, s.Sample(new byte[60], 1, 2, seenPackets: 5).Drops);
        var bridge = SflowSampler.ForBridge(0, 100);
        bridge.Sample(new byte[60], 1, 2);
        Assert.Equal(200u, bridge.Sample(new byte[60], 1, 2).SamplePool); // OVS's estimate when no count is given
    }
}
