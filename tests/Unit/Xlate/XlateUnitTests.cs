using VSwarm.Actors.Tables;
using VSwarm.Actors.Xlate;
using VSwarm.Messages.Cookies;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Odp;
using Xunit;

namespace VSwarm.Tests.Unit.Xlate;

public class FinishingRuleTests
{
    // ovs-brief §9 item 11 (a): ICMPv4 keeps only the low 8 bits of the tp_src mask.
    [Fact]
    public void Icmp_port_masks_keep_low_byte()
    {
        var p = XlateTestBed.Packet("in_port=1,icmp,nw_src=1.1.1.1,nw_dst=2.2.2.2,icmp_type=8,icmp_code=0");
        var wc = MegaflowWildcards.Initial(p);
        wc.Unwildcard(FlowFields.TpSrc);
        MegaflowWildcards.Finish(ref wc, p);
        Assert.Equal((UInt128)0xff, wc.Get(FlowFields.TpSrc));
    }

    // (b) later fragments lose their port masks.
    [Fact]
    public void Later_fragment_loses_port_masks()
    {
        var p = XlateTestBed.Packet("in_port=1,tcp,nw_src=1.1.1.1,nw_frag=later,tp_dst=80");
        var wc = MegaflowWildcards.Initial(p);
        wc.Unwildcard(FlowFields.TpDst);
        MegaflowWildcards.Finish(ref wc, p);
        Assert.True(wc.IsWildcarded(FlowFields.TpDst));
    }

    // (c) a VLAN mask of 0x0fff gains CFI.
    [Fact]
    public void Vlan_mask_gains_cfi()
    {
        var p = XlateTestBed.Packet("in_port=1,dl_vlan=5,ip");
        var wc = MegaflowWildcards.Initial(p);
        wc.Unwildcard(FlowFields.VlanTci, 0x0fff);
        MegaflowWildcards.Finish(ref wc, p);
        Assert.Equal((UInt128)0x1fff, wc.Get(FlowFields.VlanTci));
    }

    // (d) an untagged packet whose translation pushed a VLAN has no VLAN bits in its megaflow.
    [Fact]
    public void Untagged_packet_push_vlan_leaves_no_vlan_bits()
    {
        var bed = new XlateTestBed("priority=1,ip,actions=push_vlan:0x8100,set_field:4106->vlan_vid,output:2");
        var r = bed.Translate("in_port=1,tcp,nw_src=1.1.1.1,nw_ttl=64");
        Assert.True(r.Wildcards.IsWildcarded(FlowFields.VlanTci));
        Assert.Equal("push_vlan(vid=10,pcp=0),2", r.Actions.ToString());
    }

    // (e) registers and metadata matched or written never reach the megaflow; in_port is exact.
    [Fact]
    public void Registers_never_in_megaflow_and_in_port_exact()
    {
        var bed = new XlateTestBed("""
            table=0,priority=1,actions=load:0x5->NXM_NX_REG0[],resubmit(,1)
            table=1,priority=5,reg0=5,actions=output:3
            """);
        var r = bed.Translate("in_port=1,ip,nw_src=1.1.1.1");
        foreach (var reg in FlowFields.Regs)
        {
            Assert.True(r.Wildcards.IsWildcarded(reg));
        }

        Assert.True(r.Wildcards.IsExact(FlowFields.InPort));
        Assert.Equal("3", r.Actions.ToString());
    }
}

public class SamplingTests
{
    private static readonly string Rules = "priority=1,ip,actions=output:2";

    // ovs-brief §9 item 19: rate 400 → 10737418 → 0.2%; 64 → 67108863 → 1.6%; 1 → bare userspace.
    [Theory]
    [InlineData(400u, 10737418u, "sample(sample=0.2%,actions(userspace(pid=0,sFlow(vid=0,pcp=0,output=2147483649),actions))),2")]
    [InlineData(64u, 67108863u, "sample(sample=1.6%,actions(userspace(pid=0,sFlow(vid=0,pcp=0,output=2147483649),actions))),2")]
    [InlineData(1u, uint.MaxValue, "userspace(pid=0,sFlow(vid=0,pcp=0,output=2147483649),actions),2")]
    public void Sflow_probability_and_wrapper(uint rate, uint probability, string text)
    {
        Assert.Equal(probability, new SflowSampling(rate).Probability);
        var bed = new XlateTestBed(Rules, XlateBridge.WithPorts(4, new SflowSampling(rate)));
        Assert.Equal(text, bed.Translate("in_port=1,ip,nw_src=1.1.1.1").Actions.ToString());
    }

    [Theory]
    [InlineData((ushort)65535, uint.MaxValue, null)]
    [InlineData((ushort)32767, 0x7FFF7FFFu, "50.0")]
    [InlineData((ushort)1, 0x00010001u, "0.0")]
    public void Flow_sample_probability_and_wrapper(ushort p, uint expected, string? percent)
    {
        Assert.Equal(expected, VSwarm.Actors.Xlate.Xlate.FlowSampleProbability(p));
        var bridge = new XlateBridge(Enumerable.Range(1, 4).Select(i => new XlatePort((uint)i)), flowSampling: true);
        var bed = new XlateTestBed($"priority=1,ip,actions=sample(probability={p},collector_set_id=1,obs_domain_id=2,obs_point_id=3),output:2", bridge);
        var text = bed.Translate("in_port=1,ip,nw_src=1.1.1.1").Actions.ToString();
        var user = "userspace(pid=0,flow_sample(probability=" + p + ",collector_set_id=1,obs_domain_id=2,obs_point_id=3,output_port=4294967295))";
        Assert.Equal(percent is null ? user + ",2" : $"sample(sample={percent}%,actions({user})),2", text);
    }

    [Theory]
    [InlineData("sampling_port=3,egress", "output_port=3,egress")]
    [InlineData("sampling_port=1,ingress", "output_port=4294967295,ingress")] // in_port: an ingress sample
    [InlineData("ingress", "output_port=4294967295,ingress")]
    [InlineData("sampling_port=9", null)] // unknown port: OVS drops the sample action
    public void Flow_sample_sampling_port_and_direction_reach_the_cookie(string args, string? cookieTail)
    {
        var bridge = new XlateBridge(Enumerable.Range(1, 4).Select(i => new XlatePort((uint)i)), flowSampling: true);
        var bed = new XlateTestBed($"priority=1,ip,actions=sample(probability=65535,collector_set_id=1,obs_domain_id=2,obs_point_id=3,{args}),output:2", bridge);
        var text = bed.Translate("in_port=1,ip,nw_src=1.1.1.1").Actions.ToString();
        Assert.Equal(
            cookieTail is null ? "2" : "userspace(pid=0,flow_sample(probability=65535,collector_set_id=1,obs_domain_id=2,obs_point_id=3," + cookieTail + ")),2",
            text);
    }

    [Fact]
    public void Flow_sample_without_collector_translates_to_nothing()
    {
        var bed = new XlateTestBed("priority=1,ip,actions=sample(probability=100,collector_set_id=1,obs_domain_id=2,obs_point_id=3),output:2");
        Assert.Equal("2", bed.Translate("in_port=1,ip,nw_src=1.1.1.1").Actions.ToString());
    }
}

public class SflowOutputTests
{
    // ovs-brief §9 item 21.
    [Fact]
    public void Output_codes()
    {
        Assert.Equal(0x40000100u, VSwarm.Actors.Xlate.Xlate.SflowOutputCode(0, null));
        Assert.Equal(7u, VSwarm.Actors.Xlate.Xlate.SflowOutputCode(1, 7));
        Assert.Equal(0x80000001u, VSwarm.Actors.Xlate.Xlate.SflowOutputCode(1, null));
        Assert.Equal(0x80000003u, VSwarm.Actors.Xlate.Xlate.SflowOutputCode(3, null));
    }

    private static SflowCookie CookieOf(XlateResult r)
    {
        var u = r.Actions.OfType<UserspaceAction>().FirstOrDefault()
            ?? ((VSwarm.Messages.Datapath.SampleAction)r.Actions[0]).Actions.OfType<UserspaceAction>().Single();
        return Assert.IsType<SflowCookie>(u.Cookie);
    }

    [Theory]
    [InlineData("output:2", 1003u)]
    [InlineData("output:4", 0x80000001u)]
    [InlineData("output:2,output:3,output:4", 0x80000003u)]
    [InlineData("drop", 0x40000100u)]
    [InlineData("output:9", 0x40000100u)]
    public void Cookie_output_field_from_translation(string actions, uint code)
    {
        var ports = new[] { new XlatePort(1, 1004), new XlatePort(2, 1003), new XlatePort(3, 1002), new XlatePort(4) };
        var bridge = new XlateBridge(ports, sflow: new SflowSampling(1));
        var bed = new XlateTestBed($"cookie=0x2a,priority=1,ip,actions={actions}", bridge);
        var cookie = CookieOf(bed.Translate("in_port=1,ip,nw_src=1.1.1.1"));
        Assert.Equal(code, cookie.Output);
        Assert.Equal(0x2aUL, cookie.RuleCookie);
        Assert.Equal(1u, cookie.OfpInPort);
    }

    [Fact]
    public void Cookie_vlan_is_the_output_tci()
    {
        var bridge = XlateBridge.WithPorts(4, new SflowSampling(1));
        var bed = new XlateTestBed("priority=1,ip,actions=push_vlan:0x8100,set_field:4106->vlan_vid,output:2", bridge);
        var cookie = CookieOf(bed.Translate("in_port=1,ip,nw_src=1.1.1.1"));
        Assert.Equal(10, cookie.Vid);
    }
}

public class LimitsAndPortsTests
{
    [Fact]
    public void Resubmit_recursion_limit_is_an_error_and_a_drop()
    {
        var bed = new XlateTestBed("table=0,priority=1,actions=output:2,resubmit(,0)");
        var r = bed.Translate("in_port=1,ip,nw_src=1.1.1.1");
        Assert.Equal(XlateError.RecursionTooDeep, r.Error);
        Assert.True(r.Actions.IsDrop);
        Assert.Equal(VSwarm.Actors.Xlate.Xlate.MaxDepth, r.Rules.Length);
    }

    [Fact]
    public void Resubmit_count_limit_is_an_error()
    {
        // Each table resubmits twice to the next: 2^13 resubmits at depth 13, over the 4096 cap.
        var rules = string.Join('\n', Enumerable.Range(0, 14).Select(t => $"table={t},priority=1,actions=resubmit(,{t + 1}),resubmit(,{t + 1})"));
        var bed = new XlateTestBed(rules);
        var r = bed.Translate("in_port=1,ip,nw_src=1.1.1.1");
        Assert.Equal(XlateError.TooManyResubmits, r.Error);
        Assert.True(r.Actions.IsDrop);
    }

    [Fact]
    public void Output_to_missing_port_is_dropped_without_commit()
    {
        var bed = new XlateTestBed("priority=1,ip,actions=mod_nw_dst:1.2.3.4,output:7,output:2");
        var trace = new XlateTrace();
        var r = bed.Translate("in_port=1,tcp,nw_src=1.1.1.1,nw_dst=5.5.5.5,nw_ttl=64", trace);
        Assert.Equal("set(ipv4(dst=1.2.3.4)),2", r.Actions.ToString());
        Assert.Contains(trace.Events, e => e.Text == ">> Nonexistent output port");
    }

    [Fact]
    public void Output_to_in_port_is_skipped_but_in_port_action_outputs()
    {
        var bed = new XlateTestBed("priority=1,ip,actions=output:1,in_port");
        Assert.Equal("1", bed.Translate("in_port=1,ip,nw_src=1.1.1.1").Actions.ToString());
    }

    [Fact]
    public void Table_miss_is_drop_and_records_no_rule()
    {
        var bed = new XlateTestBed("priority=1,arp,actions=output:2");
        var r = bed.Translate("in_port=1,ip,nw_src=1.1.1.1");
        Assert.True(r.Actions.IsDrop);
        Assert.Empty(r.Rules);
    }

    [Fact]
    public void Translation_is_safe_for_concurrent_readers()
    {
        var bed = new XlateTestBed(File.ReadAllText(Oracle.RepoPaths.Golden("Trace", "mixed.rules")));
        var packets = File.ReadAllLines(Oracle.RepoPaths.Golden("Trace", "mixed.packets")).Where(l => l.Length > 0).ToArray();
        var expected = packets.Select(p => bed.Trace(p)).ToArray();
        Parallel.For(0, packets.Length * 8, i =>
        {
            var j = i % packets.Length;
            Assert.Equal(expected[j], bed.Trace(packets[j]));
        });
    }
}

public class CommitTests
{
    [Theory]
    [InlineData("mod_nw_dst:10.0.0.9,output:2", "recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.2.3,nw_frag=no", "set(ipv4(dst=10.0.0.9)),2")]
    [InlineData("set_field:10.0.0.0/255.0.0.0->ip_dst,output:2", "recirc_id=0,eth,tcp,in_port=1,nw_dst=11.0.0.0/8,nw_frag=no", "set(ipv4(dst=10.0.0.0/255.0.0.0)),2")]
    [InlineData("mod_nw_tos:16,output:2", "recirc_id=0,eth,ip,in_port=1,nw_tos=0,nw_frag=no", "set(ipv4(tos=0x10/0xfc)),2")]
    [InlineData("dec_ttl,mod_tp_dst:8080,output:2", "recirc_id=0,eth,tcp,in_port=1,nw_ttl=64,nw_frag=no,tp_dst=80", "set(ipv4(ttl=63)),set(tcp(dst=8080)),2")]
    public void Header_changes_commit_like_ovs(string actions, string megaflow, string dp)
    {
        var bed = new XlateTestBed($"priority=1,ip,actions={actions}");
        var (m, a) = bed.Trace("in_port=1,tcp,nw_src=1.1.1.1,nw_dst=11.1.2.3,nw_ttl=64,tp_src=1,tp_dst=80".Replace("11.1.2.3", megaflow.Contains("10.1.2.3", StringComparison.Ordinal) ? "10.1.2.3" : "11.1.2.3", StringComparison.Ordinal));
        Assert.Equal(megaflow, m);
        Assert.Equal(dp, a);
    }

    [Fact]
    public void Modifying_the_vid_of_a_tagged_packet_pops_and_pushes()
    {
        var bed = new XlateTestBed("priority=1,dl_vlan=5,actions=mod_vlan_vid:9,output:4");
        var (m, a) = bed.Trace("in_port=3,dl_vlan=5,dl_vlan_pcp=3,tcp,nw_src=1.1.1.1,nw_ttl=64");
        Assert.Equal("recirc_id=0,eth,ip,in_port=3,dl_vlan=5,dl_vlan_pcp=3,nw_frag=no", m);
        Assert.Equal("pop_vlan,push_vlan(vid=9,pcp=3),4", a);
    }
}

public class NormalTests
{
    [Fact]
    public void Normal_floods_unknown_then_forwards_learned()
    {
        var bed = new XlateTestBed("priority=1,actions=NORMAL");
        var (m1, a1) = bed.Trace("in_port=1,dl_src=50:54:00:00:00:01,dl_dst=50:54:00:00:00:02,ip,nw_src=1.1.1.1");
        Assert.Equal("2,3,4", a1);
        Assert.Contains("dl_src=50:54:00:00:00:01,dl_dst=50:54:00:00:00:02", m1, StringComparison.Ordinal);
        var (_, a2) = bed.Trace("in_port=2,dl_src=50:54:00:00:00:02,dl_dst=50:54:00:00:00:01,ip,nw_src=1.1.1.1");
        Assert.Equal("1", a2);
        var (_, a3) = bed.Trace("in_port=3,dl_src=50:54:00:00:00:03,dl_dst=ff:ff:ff:ff:ff:ff,arp");
        Assert.Equal("1,2,4", a3);
    }

    [Fact]
    public void Normal_is_vlan_aware_and_unwildcards_vid_cfi()
    {
        var bed = new XlateTestBed("priority=1,actions=NORMAL");
        bed.Trace("in_port=2,dl_vlan=10,dl_src=50:54:00:00:00:02,dl_dst=ff:ff:ff:ff:ff:ff,arp");
        var r = bed.Translate("in_port=1,dl_vlan=20,dl_src=50:54:00:00:00:01,dl_dst=50:54:00:00:00:02,ip");
        Assert.Equal("2,3,4", r.Actions.ToString()); // learned only in VLAN 10
        Assert.Equal((UInt128)0x1fff, r.Wildcards.Get(FlowFields.VlanTci));
    }
}

public class MacLearningTableTests
{
    [Fact]
    public void Entries_age_out_on_the_injected_clock()
    {
        long now = 0;
        var t = new MacLearningTable(agingSeconds: 300, nowMs: () => now);
        Assert.True(t.Learn(0x505400000001, 0, 1));
        now = 299_999;
        Assert.Equal(1u, t.Lookup(0x505400000001, 0));
        now = 300_000;
        Assert.Null(t.Lookup(0x505400000001, 0));
    }

    [Fact]
    public void Relearning_refreshes_and_moves_are_changes()
    {
        long now = 0;
        var t = new MacLearningTable(nowMs: () => now);
        var changes = 0;
        t.Changed += (_, _) => changes++;
        Assert.True(t.Learn(0x505400000001, 0, 1));
        now = 200_000;
        Assert.False(t.Learn(0x505400000001, 0, 1)); // same port: refresh, no change
        now = 400_000;
        Assert.Equal(1u, t.Lookup(0x505400000001, 0));
        Assert.True(t.Learn(0x505400000001, 0, 2)); // moved
        Assert.Equal(2, changes);
        Assert.Equal(2L, t.Generation);
    }

    [Fact]
    public void Capacity_evicts_least_recently_learned()
    {
        long now = 0;
        var t = new MacLearningTable(capacity: 3, nowMs: () => now);
        for (ulong m = 1; m <= 3; m++)
        {
            now++;
            t.Learn(m << 8, 0, (uint)m);
        }

        now++;
        t.Learn(1 << 8, 0, 1); // refresh the oldest
        now++;
        t.Learn(4 << 8, 0, 4); // evicts MAC 2, now the least recently learned
        Assert.Equal(3, t.Count);
        Assert.Null(t.Lookup(2 << 8, 0));
        Assert.Equal(1u, t.Lookup(1 << 8, 0));
        Assert.Equal(4u, t.Lookup(4 << 8, 0));
    }

    [Fact]
    public void Multicast_sources_are_not_learned_and_default_capacity_is_ovs()
    {
        var t = new MacLearningTable();
        Assert.Equal(8192, t.Capacity);
        Assert.Equal(300, t.AgingSeconds);
        Assert.False(t.Learn(0xffffffffffff, 0, 1));
        Assert.Equal(0, t.Count);
    }
}

public class PerFlowSflowTests
{
    private static readonly SflowFlowSampling Selector = new(0x4200, 0xff00, new SflowSampling(8));

    private static List<(uint Probability, SflowCookie Cookie)> SflowActions(XlateResult r) =>
        [.. r.Actions.Select(a => a switch
        {
            SampleAction s => (s.Probability, Assert.IsType<SflowCookie>(s.Actions.OfType<UserspaceAction>().Single().Cookie)),
            UserspaceAction { Cookie: SflowCookie c } => (uint.MaxValue, c),
            _ => (0u, (SflowCookie?)null),
        }).Where(x => x.Item2 is not null).Select(x => (x.Item1, x.Item2!))];

    private static XlateTestBed Bed(SflowSampling? bridgeSampling, string rules) =>
        new(rules, new XlateBridge(
            [new XlatePort(1, 1004), new XlatePort(2, 1003), new XlatePort(3)], sflow: bridgeSampling, sflowFlows: [Selector]));

    [Fact]
    public void Selected_rule_gets_a_second_sample_action_at_its_own_rate_after_the_bridges()
    {
        var bed = Bed(new SflowSampling(400), "cookie=0x4201,priority=1,ip,actions=output:2");
        var r = bed.Translate("in_port=1,ip,nw_src=1.1.1.1");
        var sflow = SflowActions(r);
        Assert.Equal(3, r.Actions.Count);
        Assert.Equal(2, sflow.Count);
        Assert.Equal((new SflowSampling(400).Probability, SflowCookieFlags.None, 0x4201UL, 1003u), (sflow[0].Probability, sflow[0].Cookie.Flags, sflow[0].Cookie.RuleCookie, sflow[0].Cookie.Output));
        Assert.Equal((new SflowSampling(8).Probability, SflowCookieFlags.PerFlow, 0x4201UL, 1003u, 1u), (sflow[1].Probability, sflow[1].Cookie.Flags, sflow[1].Cookie.RuleCookie, sflow[1].Cookie.Output, sflow[1].Cookie.OfpInPort));
        Assert.IsType<OutputAction>(r.Actions[2]);
    }

    [Fact]
    public void Unselected_rule_keeps_the_bridge_action_only()
    {
        var withSelectors = Bed(new SflowSampling(400), "cookie=0x9901,priority=1,ip,actions=output:2");
        var without = new XlateTestBed("cookie=0x9901,priority=1,ip,actions=output:2", new XlateBridge(
            [new XlatePort(1, 1004), new XlatePort(2, 1003), new XlatePort(3)], sflow: new SflowSampling(400)));
        var a = withSelectors.Translate("in_port=1,ip,nw_src=1.1.1.1");
        var b = without.Translate("in_port=1,ip,nw_src=1.1.1.1");
        Assert.Equal(b.Actions.ToString(), a.Actions.ToString());
        var only = Assert.Single(SflowActions(a));
        Assert.Equal(SflowCookieFlags.None, only.Cookie.Flags);
    }

    [Fact]
    public void Selected_rule_without_bridge_sampling_gets_only_the_per_flow_action()
    {
        var bed = Bed(null, "cookie=0x42ff,priority=1,ip,actions=output:2,output:3");
        var r = bed.Translate("in_port=1,ip,nw_src=1.1.1.1");
        var only = Assert.Single(SflowActions(r));
        Assert.Equal((SflowCookieFlags.PerFlow, 0x42ffUL, 0x80000002u), (only.Cookie.Flags, only.Cookie.RuleCookie, only.Cookie.Output));
        Assert.IsType<SampleAction>(r.Actions[0]);
    }
}
