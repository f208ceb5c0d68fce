using VSwarm.Messages.Cookies;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Ofctl;
using VSwarm.Messages.OpenFlow;
using Xunit;

namespace VSwarm.Tests.Unit.Ofctl;

public class OfctlParserTests
{
    private static Match M(string match) => OfctlFlowParser.ParseFlow(match, requireActions: false).Match;

    private static OfActionList A(string actions) => OfctlFlowParser.ParseFlow("actions=" + actions).Actions;

    [Theory]
    [InlineData("dl_src=00:11:22:33:44:55", "eth_src=00:11:22:33:44:55")]
    [InlineData("dl_dst=01:00:00:00:00:00/01:00:00:00:00:00", "eth_dst=01:00:00:00:00:00/01:00:00:00:00:00")]
    [InlineData("dl_type=0x0800", "ip")]
    [InlineData("eth_type=0x86dd,nw_proto=6", "tcp6")]
    [InlineData("ip,nw_src=10.0.0.0/8", "ip,ip_src=10.0.0.0/255.0.0.0")]
    [InlineData("ip,nw_dst=10.1.2.3/16", "ip,nw_dst=10.1.0.0/16")]
    [InlineData("ip,nw_proto=6", "tcp")]
    [InlineData("ip,ip_proto=17", "udp")]
    [InlineData("dl_type=0x0800,nw_proto=132", "sctp")]
    [InlineData("dl_type=0x0800,nw_proto=1", "icmp")]
    [InlineData("dl_type=0x86dd,nw_proto=58", "icmp6")]
    [InlineData("dl_type=0x0806", "arp")]
    [InlineData("dl_type=0x8035", "rarp")]
    [InlineData("tcp,tp_dst=80", "tcp,tcp_dst=80")]
    [InlineData("udp,tp_src=53", "udp,udp_src=53")]
    [InlineData("sctp,tp_dst=0x40/0xfff0", "sctp,sctp_dst=64/65520")]
    [InlineData("ip,nw_tos=16", "ip,ip_dscp=4")]
    [InlineData("ip,nw_ecn=3", "ip,ip_ecn=3")]
    [InlineData("ip,nw_frag=no", "ip,ip_frag=no")]
    [InlineData("arp,nw_src=10.0.0.1", "arp,arp_spa=10.0.0.1")]
    [InlineData("arp,nw_proto=2", "arp,arp_op=2")]
    [InlineData("icmp,icmp_type=8,icmp_code=0", "icmp,tp_src=8,tp_dst=0")]
    [InlineData("icmp6,icmp_type=135", "icmp6,icmpv6_type=135")]
    [InlineData("tcp,tcp_flags=+syn-ack", "tcp,tcp_flags=0x2/0x12")]
    [InlineData("tcp,tcp_flags=syn|ack", "tcp,tcp_flags=0x12")]
    [InlineData("dl_vlan=10", "vlan_tci=0x100a/0x1fff")]
    [InlineData("dl_vlan=0xffff", "vlan_tci=0")]
    [InlineData("dl_vlan_pcp=5", "vlan_tci=0xb000/0xf000")]
    [InlineData("ipv6,ipv6_src=2001:db8::/32", "ipv6,ipv6_src=2001:db8::/ffff:ffff::")]
    [InlineData("reg3=0x5/0xff", "reg3=5/255")]
    [InlineData("in_port=LOCAL", "in_port=65534")]
    [InlineData("in_port=local", "in_port=0xfffffffe")]
    [InlineData("tp_dst=80 , tcp", "tcp,tp_dst=80")]
    public void Equivalent_spellings_give_equal_matches(string a, string b)
    {
        Assert.Equal(M(a), M(b));
    }

    [Fact]
    public void Shorthands_set_dl_type_and_nw_proto_exactly_like_ovs()
    {
        var m = M("tcp");
        Assert.Equal((ushort)0x0800, m.Key.DlType);
        Assert.Equal((byte)6, m.Key.NwProto);
        Assert.True(m.Mask.IsExact(FlowFields.DlType));
        Assert.True(m.Mask.IsExact(FlowFields.NwProto));
        Assert.False(M("ipv6").Mask.IsExact(FlowFields.NwProto));
        Assert.Equal((ushort)0x86dd, M("udp6").Key.DlType);
    }

    [Fact]
    public void Field_values_land_in_the_flow_layout_as_ovs_stores_them()
    {
        var m = M("priority=5,in_port=7,dl_vlan=10,tcp,nw_src=10.1.2.3,nw_dst=10.0.0.0/8,tp_dst=0x40/0xfff0,tcp_flags=+syn,nw_frag=first,reg2=0x10/0xf0,metadata=0xff");
        Assert.Equal(7u, m.Key.InPort);
        Assert.Equal((UInt128)uint.MaxValue, m.Mask.Get(FlowFields.InPort));
        Assert.Equal((ushort)0x100a, m.Key.VlanTci);
        Assert.Equal((UInt128)0x1fff, m.Mask.Get(FlowFields.VlanTci));
        Assert.Equal(0x0A010203u, m.Key.NwSrc);
        Assert.Equal((UInt128)0xFF000000, m.Mask.Get(FlowFields.NwDst));
        Assert.Equal((ushort)0x40, m.Key.TpDst);
        Assert.Equal((UInt128)0xfff0, m.Mask.Get(FlowFields.TpDst));
        Assert.Equal((ushort)2, m.Key.TcpFlags);
        Assert.Equal((UInt128)2, m.Mask.Get(FlowFields.TcpFlags));
        Assert.Equal(FlowKey.FragAny, m.Key.NwFrag);
        Assert.Equal(0x10u, m.Key.GetReg(2));
        Assert.Equal(0xffUL, m.Key.Metadata);

        var icmp = M("icmp,icmp_type=8,icmp_code=3");
        Assert.Equal((ushort)8, icmp.Key.TpSrc);
        Assert.Equal((ushort)3, icmp.Key.TpDst);
        Assert.Equal((UInt128)0xffff, icmp.Mask.Get(FlowFields.TpSrc));

        var arp = M("arp,arp_op=2,arp_spa=1.2.3.4,arp_tha=00:00:00:00:00:09");
        Assert.Equal((byte)2, arp.Key.NwProto);
        Assert.Equal(0x01020304u, arp.Key.NwSrc);
        Assert.Equal(9UL, arp.Key.ArpTha);

        var nd = M("icmp6,icmp_type=136,icmp_code=0,nd_target=fe80::1,nd_tll=00:00:00:00:00:07");
        Assert.Equal(((UInt128)0xfe80 << 112) | 1, nd.Key.NdTarget);
        Assert.Equal(7UL, nd.Key.ArpTha);

        var v6 = M("ipv6,ipv6_label=0x12345,ipv6_dst=::1");
        Assert.Equal(0x12345u, v6.Key.Ipv6Label);
        Assert.Equal((UInt128)0xfffff, v6.Mask.Get(FlowFields.Ipv6Label));
        Assert.Equal(UInt128.One, v6.Key.Ipv6Dst);

        var tos = M("ip,ip_dscp=46,nw_ecn=1,nw_ttl=64");
        Assert.Equal((byte)((46 << 2) | 1), tos.Key.NwTos);
        Assert.Equal((UInt128)0xff, tos.Mask.Get(FlowFields.NwTos));
        Assert.Equal((byte)64, tos.Key.NwTtl);

        Assert.Equal((UInt128)3, M("ip,nw_frag=no").Mask.Get(FlowFields.NwFrag));
        Assert.Equal((UInt128)2, M("ip,nw_frag=not_later").Mask.Get(FlowFields.NwFrag));
        Assert.Equal(FlowKey.FragAny, M("ip,nw_frag=yes").Key.NwFrag);
        Assert.Equal((byte)3, M("ip,nw_frag=later").Key.NwFrag);
        Assert.Equal(0u, M("recirc_id=0,eth,ip").Key.RecircId);
        Assert.Equal((UInt128)uint.MaxValue, M("recirc_id=0").Mask.Get(FlowFields.RecircId));
    }

    [Fact]
    public void Top_level_keys()
    {
        var r = OfctlFlowParser.ParseFlow("cookie=0x10/0xff table=3 priority=7 idle_timeout=10 hard_timeout=20 ip actions=drop");
        Assert.Equal(0x10UL, r.Cookie);
        Assert.Equal(0xffUL, r.CookieMask);
        Assert.Equal((byte)3, r.Table);
        Assert.Equal((ushort)7, r.Priority);
        Assert.Equal((ushort)10, r.IdleTimeout);
        Assert.Equal((ushort)20, r.HardTimeout);
        Assert.Empty(r.Actions);
        Assert.Equal(OpenFlowRule.DefaultPriority, OfctlFlowParser.ParseFlow("actions=").Priority);
    }

    [Fact]
    public void Actions_parse_into_records()
    {
        Assert.Equal([new OutputAction(1), new OutputAction(2)], A("output:1,2").Items.ToArray());
        Assert.Equal([OfAction.InPort, OfAction.Normal, OfAction.Flood, OfAction.All, OfAction.Local], A("in_port,normal,FLOOD,all,local").Items.ToArray());
        Assert.Equal([new ControllerAction(), new ControllerAction(128), new ControllerAction(64)], A("controller,controller:128,controller(max_len=64)").Items.ToArray());
        Assert.Equal([new GotoTableAction(3)], A("goto_table:3").Items.ToArray());
        Assert.Equal(
            [new ResubmitAction(null, 2), new ResubmitAction(5, 6), new ResubmitAction(4, null), new ResubmitAction(null, null), new ResubmitAction(null, 1)],
            A("resubmit(,2),resubmit(5,6),resubmit:4,resubmit(,),resubmit(in_port,1)").Items.ToArray());
        Assert.Equal([new SetFieldAction(OfFields.IpSrc, 0x01020304)], A("set_field:1.2.3.4->nw_src").Items.ToArray());
        Assert.Equal([new SetFieldAction(OfFields.Regs[3], 5, 0xf)], A("set_field:0x5/0xf->reg3").Items.ToArray());
        Assert.Equal([new SetFieldAction(OfFields.EthDst, 1)], A("set_field:00:00:00:00:00:01->eth_dst").Items.ToArray());
        Assert.Equal([new SetFieldAction(OfFields.Ipv6Dst, UInt128.One)], A("set_field:::1->ipv6_dst").Items.ToArray());
        Assert.Equal(
            [new ModAction(ModField.DlSrc, 1), new ModAction(ModField.NwDst, 0x0A000001), new ModAction(ModField.TpDst, 80), new ModAction(ModField.VlanVid, 5), new ModAction(ModField.VlanPcp, 3), new ModAction(ModField.NwTos, 16)],
            A("mod_dl_src:00:00:00:00:00:01,mod_nw_dst:10.0.0.1,mod_tp_dst:80,mod_vlan_vid:5,mod_vlan_pcp:3,mod_nw_tos:16").Items.ToArray());
        Assert.Equal([new PopVlanAction(), new PopVlanAction(), new PushVlanAction(0x8100), new PushVlanAction(0x88a8), new DecTtlAction()], A("strip_vlan,pop_vlan,push_vlan:0x8100,push_vlan:0x88a8,dec_ttl").Items.ToArray());
        Assert.Equal(
            [new LoadAction(1, new FieldSlice(OfFields.Regs[0], 0, 16)), new LoadAction(1, new FieldSlice(OfFields.Regs[0], 0, 16)), new LoadAction(0xab, FieldSlice.Whole(OfFields.Regs[7]))],
            A("load:0x1->NXM_NX_REG0[0..15],load:1->reg0[0..15],load:0xab->reg7[]").Items.ToArray());
        Assert.Equal(
            [new MoveAction(FieldSlice.Whole(OfFields.InPort), new FieldSlice(OfFields.Regs[1], 0, 16)), new MoveAction(new FieldSlice(OfFields.EthSrc, 47, 1), new FieldSlice(OfFields.Regs[2], 5, 1))],
            A("move:NXM_OF_IN_PORT[]->NXM_NX_REG1[0..15],move:eth_src[47]->reg2[5]").Items.ToArray());
        Assert.Equal([new SampleAction(100, 1, 2, 3), new SampleAction(65535)], A("sample(probability=100,collector_set_id=1,obs_domain_id=2,obs_point_id=3),sample(probability=65535)").Items.ToArray());
        Assert.Equal(
            [new SampleAction(100, 1, 2, 3, 4, FlowSampleDirection.Egress), new SampleAction(5, SamplingPort: OfPorts.InPort, Direction: FlowSampleDirection.Ingress), new SampleAction(6)],
            A("sample(probability=100,collector_set_id=1,obs_domain_id=2,obs_point_id=3,sampling_port=4,egress),sample(probability=5,ingress,sampling_port=in_port),sample(probability=6,sampling_port=NONE)").Items.ToArray());
        Assert.Empty(A("drop"));
        Assert.Empty(A(""));
    }

    [Fact]
    public void Action_formatting_follows_ovs()
    {
        Assert.Equal("output:1,LOCAL,output:CONTROLLER,CONTROLLER:65535,resubmit(,2),resubmit:LOCAL,goto_table:4",
            OfctlFlowFormatter.FormatActions(A("1,local,output:controller,controller,resubmit(,2),resubmit:65534,goto_table:4")));
        Assert.Equal("set_field:10.0.0.0/8->ip_dst,set_field:0x5/0xf->reg3,set_field:0x1/0x3->nw_ttl,set_field:fe80::/10->ipv6_src",
            OfctlFlowFormatter.FormatActions(A("set_field:10.0.0.0/255.0.0.0->nw_dst,set_field:5/15->reg3,set_field:1/3->nw_ttl,set_field:fe80::/10->ipv6_src")));
        Assert.Equal("load:0->NXM_NX_REG0[],push_vlan:0x8100,strip_vlan", OfctlFlowFormatter.FormatActions(A("load:0->reg0,push_vlan:0x8100,pop_vlan")));
        Assert.Equal("drop", OfctlFlowFormatter.FormatActions(OfActionList.Empty));
    }

    [Fact]
    public void Rule_formatting_follows_ovs_dump_flows_no_stats()
    {
        Assert.Equal("actions=drop", OfctlFlowFormatter.Format(new OpenFlowRule()));
        Assert.Equal("priority=0 actions=drop", OfctlFlowFormatter.Format(new OpenFlowRule { Priority = 0 }));
        Assert.Equal("cookie=0xab, table=2, hard_timeout=9, priority=16,tcp,in_port=1,nw_dst=10.1.0.0/16 actions=output:3",
            OfctlFlowFormatter.Format(OfctlFlowParser.ParseFlow("hard_timeout=9,table=2,cookie=0xab,priority=16,in_port=1,tcp,nw_dst=10.1.0.0/16,actions=output:3")));
    }

    [Theory]
    [InlineData("ip,nw_dts=10.0.0.1,actions=drop", 4, "nw_dts", "unknown field 'nw_dts'")]
    [InlineData("ip,nw_src=1.2.3,actions=drop", 11, "1.2.3", "invalid IP address '1.2.3'")]
    [InlineData("ip,nw_src=10.0.0.1/33,actions=drop", 20, "33", "invalid IP mask or prefix length '33' (0..32)")]
    [InlineData("tp_dst=80,actions=drop", 1, "tp_dst", "field 'tp_dst' requires tcp, udp, sctp or icmp")]
    [InlineData("nw_src=10.0.0.0/8,actions=drop", 1, "nw_src", "field 'nw_src' requires ip or arp")]
    [InlineData("udp,tcp_flags=+syn,actions=drop", 5, "tcp_flags", "field 'tcp_flags' requires tcp or tcp6")]
    [InlineData("icmp6,nd_target=1::1,actions=drop", 7, "nd_target", "field 'nd_target' requires icmp6 with icmp_type=135 or 136")]
    [InlineData("ip,arp_sha=00:00:00:00:00:01,actions=drop", 4, "arp_sha", "field 'arp_sha' requires arp or rarp")]
    [InlineData("tcp,tcp_flags=+foo,actions=drop", 16, "foo", "unknown TCP flag 'foo'")]
    [InlineData("in_port=1,in_port=2,actions=drop", 11, "in_port", "duplicate field 'in_port'")]
    [InlineData("ip,nw_src=1.1.1.1,ip_src=1.1.1.1,actions=drop", 19, "ip_src", "duplicate field 'ip_src'")]
    [InlineData("tcp,udp,actions=drop", 5, "udp", "conflicting value for 'udp'")]
    [InlineData("ip,nw_ttl=300,actions=drop", 11, "300", "value '300' out of range for 'nw_ttl' (max 255)")]
    [InlineData("udp,tp_src=70000,actions=drop", 12, "70000", "value '70000' out of range for 'tp_src' (max 65535)")]
    [InlineData("priority=70000,actions=drop", 10, "70000", "value '70000' out of range for 'priority' (max 65535)")]
    [InlineData("table=255,actions=drop", 7, "255", "value '255' out of range for 'table' (max 254)")]
    [InlineData("dl_type=0x0800/0xff00,actions=drop", 9, "0x0800/0xff00", "field 'dl_type' is not maskable ('0x0800/0xff00')")]
    [InlineData("dl_src=00:00:00:00:00,actions=drop", 8, "00:00:00:00:00", "invalid Ethernet address '00:00:00:00:00'")]
    [InlineData("ipv6,ipv6_src=1.2.3.4,actions=drop", 15, "1.2.3.4", "invalid IPv6 address '1.2.3.4'")]
    [InlineData("ip,nw_frag=maybe,actions=drop", 12, "maybe", "unknown fragment type 'maybe' (valid types are no, yes, first, later, not_later)")]
    [InlineData("dl_vlan=4096,actions=drop", 9, "4096", "value '4096' out of range for 'dl_vlan' (0..4095, or 0xffff for no VLAN)")]
    [InlineData("tcp,tp_dst=0x1x,actions=drop", 12, "0x1x", "invalid number '0x1x' for 'tp_dst'")]
    [InlineData("in_port=,actions=drop", 1, "in_port", "missing value for field 'in_port'")]
    [InlineData("ip,nw_proto,actions=drop", 4, "nw_proto", "missing value for field 'nw_proto'")]
    [InlineData("in_port=1", 10, "", "must specify actions (missing 'actions=')")]
    [InlineData("actions=frob", 9, "frob", "unknown action 'frob'")]
    [InlineData("actions=frob:1", 9, "frob:1", "unknown action 'frob'")]
    [InlineData("actions=resubmit(1,2", 17, "resubmit(1,2", "unbalanced parentheses: missing ')' in 'resubmit(1,2'")]
    [InlineData("actions=output:1)", 17, "output:1)", "unbalanced parentheses: unexpected ')' in 'output:1)'")]
    [InlineData("actions=drop,output:1", 9, "drop", "'drop' must not be accompanied by any other action")]
    [InlineData("actions=load:0x10000->NXM_NX_REG0[0..15]", 14, "0x10000", "value '0x10000' does not fit in 16 bits of NXM_NX_REG0[0..15]")]
    [InlineData("actions=move:NXM_NX_REG0[0..7]->NXM_NX_REG1[0..15]", 14, "NXM_NX_REG0[0..7]->NXM_NX_REG1[0..15]", "move 'NXM_NX_REG0[0..7]->NXM_NX_REG1[0..15]': source has 8 bits but destination has 16")]
    [InlineData("actions=load:1->NXM_NX_REG9[]", 17, "NXM_NX_REG9", "unknown field 'NXM_NX_REG9'")]
    [InlineData("actions=load:1->NXM_NX_REG0[5..40]", 28, "[5..40]", "invalid bit range '[5..40]' for NXM_NX_REG0 (32 bits)")]
    [InlineData("actions=set_field:1.2.3.4", 19, "1.2.3.4", "set_field '1.2.3.4' lacks '->FIELD'")]
    [InlineData("actions=set_field:1.2.3.4->nw_dts", 28, "nw_dts", "unknown field 'nw_dts'")]
    [InlineData("actions=sample(probability=0)", 28, "0", "invalid probability value '0' (1..65535)")]
    [InlineData("actions=sample(probability=5,foo=1)", 30, "foo", "unknown sample argument 'foo'")]
    [InlineData("actions=sample(probability=5,sampling_port=foo)", 44, "foo", "invalid port 'foo' for 'sampling_port'")]
    [InlineData("actions=push_vlan:0x0800", 19, "0x0800", "invalid push_vlan ethertype '0x0800' (0x8100 or 0x88a8)")]
    [InlineData("actions=goto_table:255", 20, "255", "value '255' out of range for 'goto_table' (max 254)")]
    [InlineData("ip,actions=output:70000", 19, "70000", "value '70000' out of range for 'output' (max 65535)")]
    [InlineData("actions=mod_vlan_vid:5000", 22, "5000", "value '5000' out of range for 'mod_vlan_vid' (max 4095)")]
    [InlineData("actions=dec_ttl:3", 9, "dec_ttl:3", "action 'dec_ttl:3' takes no argument")]
    [InlineData("actions=goto_table", 9, "goto_table", "action 'goto_table' needs an argument")]
    public void Malformed_input_reports_line_column_and_token(string input, int column, string token, string reason)
    {
        var e = Assert.Throws<OfctlParseException>(() => OfctlFlowParser.ParseFlow(input, "flows.txt", 3));
        Assert.Equal($"flows.txt:3:{column}: {reason}", e.Message);
        Assert.Equal(3, e.Line);
        Assert.Equal(column, e.Column);
        Assert.Equal(token, e.Token);
        Assert.Equal(reason, e.Reason);
    }

    [Fact]
    public void The_example_message_of_the_brief()
    {
        var text = "# table 0\n\npriority=10,ip,actions=drop\n    ip,nw_dts=10.0.0.1,actions=drop\n";
        var r = OfctlFlowParser.ParseFile(text, "flows.txt");
        Assert.Equal("flows.txt:4:8: unknown field 'nw_dts'", Assert.Single(r.Errors).Message);
    }

    [Fact]
    public void A_file_with_errors_keeps_the_good_lines()
    {
        var text = string.Join("\n",
            "# rule set R of the brief",
            "priority=16,in_port=1,tcp,nw_dst=10.1.0.0/16,actions=output:3",
            "",
            "priority=32,in_port=1,tcp,nw_dst=10.1.2.15,actions=output:2   # trailing comment",
            "priority=33,in_port=1,tcp,nw_dst=10.1.2.15,tp_dst=80,actions=drop",
            "priority=0,in_port=1,ip,nw_dts=1.2.3.4,actions=drop",
            "priority=16,in_port=2,tcp,nw_dst=192.168.0.0/16,actions=output:1",
            "priority=0,in_port=2,ip,actions=frob",
            "\tpriority=16,in_port=3,tcp,nw_src=10.1.0.0/16,actions=output:1\r",
            "priority=0,in_port=3,ip,actions=drop");
        var r = OfctlFlowParser.ParseFile(text, "r.flows");
        Assert.False(r.Success);
        Assert.Equal(6, r.Rules.Length);
        Assert.Equal([16, 32, 33, 16, 16, 0], r.Rules.Select(x => (int)x.Priority));
        Assert.Equal(["r.flows:6:25: unknown field 'nw_dts'", "r.flows:8:33: unknown action 'frob'"], r.Errors.Select(e => e.Message));
        Assert.Equal([OfAction.Local with { Port = 3 }], r.Rules[0].Actions.Items.ToArray());
        var ex = Assert.Throws<OfctlParseException>(() => OfctlFlowParser.ParseFileOrThrow(text, "r.flows"));
        Assert.Equal(6, ex.Line);
        Assert.Equal(6, OfctlFlowParser.ParseFileOrThrow(string.Join("\n", text.Split('\n').Where((_, i) => i is not 5 and not 7)), "ok").Length);
    }

    [Theory]
    [InlineData(0UL, "00:00:00:00:00:00")]
    [InlineData(0x0a0b0c0d0e0fUL, "0a:0b:0c:0d:0e:0f")]
    public void Mac_text(ulong mac, string text)
    {
        Assert.Equal(text, OfctlValues.FormatMac(mac));
        Assert.True(OfctlValues.TryParseMac(text, out var back));
        Assert.Equal(mac, back);
    }

    [Theory]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("1000::1")]
    [InlineData("2001:db8::")]
    [InlineData("fe80::1:2")]
    [InlineData("1:0:0:2::3")]
    [InlineData("1:2:3:4:5:6:7:8")]
    [InlineData("::ffff:1.2.3.4")]
    [InlineData("::1.2.3.4")]
    public void Ipv6_text_like_inet_ntop(string text)
    {
        Assert.True(OfctlValues.TryParseIpv6(text, out var v));
        Assert.Equal(text, OfctlValues.FormatIpv6(v));
    }
}
