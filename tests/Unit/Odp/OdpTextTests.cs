using FsCheck;
using FsCheck.Fluent;
using VSwarm.Messages.Cookies;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Odp;
using VSwarm.Tests.Unit.Datapath;
using Xunit;

namespace VSwarm.Tests.Unit.Odp;

public class OdpTextTests
{
    private const string Tail = ", packets:0, bytes:0, used:never, actions:";

    /// <summary>The megaflow of §8.3: recirc_id, in_port, dl_type, nw_frag exact; the rest as given.</summary>
    private static Match Megaflow(uint inPort, uint nwDst, int dstPrefix, byte? proto = null, ushort? tpDst = null, ushort tpDstMask = 0xffff)
    {
        var k = default(FlowKey);
        k.InPort = inPort;
        k.DlSrc = 0x5054_0000_0005;
        k.DlDst = 0x5054_0000_0007;
        k.DlType = 0x0800;
        k.NwSrc = 0x0A010203;
        k.NwDst = nwDst;
        k.NwProto = 6;
        k.NwTtl = 128;
        k.TpSrc = 8;
        k.TpDst = tpDst ?? 80;
        var m = default(FlowMask);
        m.Unwildcard(FlowFields.RecircId);
        m.Unwildcard(FlowFields.InPort);
        m.Unwildcard(FlowFields.DlType);
        m.Unwildcard(FlowFields.NwFrag, KeyAttrs.FragMask);
        m.UnwildcardPrefix(FlowFields.NwDst, dstPrefix);
        if (proto is not null)
        {
            m.Unwildcard(FlowFields.NwProto);
        }

        if (tpDst is not null)
        {
            m.Unwildcard(FlowFields.TpDst, tpDstMask);
        }

        return new Match(k, m);
    }

    private static void AssertLine(string expected, DatapathFlow flow)
    {
        Assert.Equal(expected, OdpFormatter.FormatFlow(flow, nowMs: 100_000));
        var back = OdpParser.ParseFlow(expected, 100_000);
        Assert.Equal(flow.Match, back.Match);
        Assert.Equal(flow.Stats, back.Stats);
        Assert.Equal(expected, OdpFormatter.FormatFlow(back, 100_000));
    }

    [Fact]
    public void Example1_kernel_dump_line()
    {
        var f = new DatapathFlow(Megaflow(2, 0xC0A80002, 16, proto: 6), DpActions.Of(new OutputAction(1)), FlowStats.Zero);
        AssertLine("recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4(dst=192.168.0.0/255.255.0.0,proto=6,frag=no)" + Tail + "1", f);
    }

    [Fact]
    public void Example2_kernel_dump_line()
    {
        var f = new DatapathFlow(Megaflow(1, 0x0B01020F, 8), DpActions.Empty, FlowStats.Zero);
        AssertLine("recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=11.0.0.0/255.0.0.0,frag=no)" + Tail + "drop", f);
    }

    [Fact]
    public void Example3_kernel_dump_line()
    {
        var f = new DatapathFlow(Megaflow(1, 0x0A01020F, 32, proto: 6, tpDst: 80), DpActions.Empty, FlowStats.Zero);
        AssertLine("recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.1.2.15,proto=6,frag=no),tcp(dst=80)" + Tail + "drop", f);
    }

    [Fact]
    public void Example4_kernel_dump_line()
    {
        var f = new DatapathFlow(Megaflow(1, 0x0A01020F, 32, proto: 6, tpDst: 79, tpDstMask: 0xfff0), DpActions.Of(new OutputAction(2)), FlowStats.Zero);
        AssertLine("recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.1.2.15,proto=6,frag=no),tcp(dst=64/0xfff0)" + Tail + "2", f);
    }

    [Fact]
    public void Example5_kernel_dump_line_with_sflow_sample()
    {
        var cookie = new SflowCookie(2, Guid.NewGuid(), 0, 1004);
        var actions = DpActions.Of(
            new SampleAction(10737418, DpActions.Of(UserspaceAction.WithCookie(1234, cookie, includeActions: true))),
            new OutputAction(1));
        var f = new DatapathFlow(Megaflow(2, 0xC0A80002, 16, proto: 6), actions, FlowStats.Zero);
        var line = "recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4(dst=192.168.0.0/255.255.0.0,proto=6,frag=no)" + Tail
            + "sample(sample=0.2%,actions(userspace(pid=1234,sFlow(vid=0,pcp=0,output=1004),actions))),1";
        Assert.Equal(line, OdpFormatter.FormatFlow(f, 0));
        var back = OdpParser.ParseFlow(line, 0);
        Assert.Equal(line, OdpFormatter.FormatFlow(back, 0));
        var sample = Assert.IsType<SampleAction>(back.Actions[0]);
        var us = Assert.IsType<UserspaceAction>(sample.Actions[0]);
        var c = Assert.IsType<SflowCookie>(us.Cookie);
        Assert.Equal(1004u, c.Output);
    }

    [Theory]
    [InlineData(10737418u, "0.2")]
    [InlineData(67108863u, "1.6")]
    [InlineData(0x7FFF7FFFu, "50.0")]
    [InlineData(0x00010001u, "0.0")]
    [InlineData(0xFFFFFFFFu, "100.0")]
    public void Sample_percentages_print_with_one_decimal(uint probability, string percent)
    {
        Assert.Equal(percent, OdpFormatter.SamplePercent(probability));
        var a = new SampleAction(probability, DpActions.Of(new OutputAction(1)));
        Assert.Equal($"sample(sample={percent}%,actions(1))", a.ToString());
    }

    [Fact]
    public void Rate_one_sflow_is_a_bare_userspace_action()
    {
        var u = UserspaceAction.WithCookie(1234, new SflowCookie(0, Guid.Empty, 0, 0x80000001), includeActions: true);
        Assert.Equal("userspace(pid=1234,sFlow(vid=0,pcp=0,output=2147483649),actions)", u.ToString());
    }

    [Fact]
    public void Action_syntax_samples()
    {
        var b = Guid.Empty;
        var ip = default(FlowKey);
        ip.NwDst = 0x0A000001;
        var ipMask = default(FlowMask);
        ipMask.Unwildcard(FlowFields.NwDst);
        var tcp = default(FlowKey);
        tcp.TpSrc = 42;
        var tcpMask = default(FlowMask);
        tcpMask.Unwildcard(FlowFields.TpSrc, 0xff);
        var cases = new (DpAction Action, string Text)[]
        {
            (new SetMaskedAction(OvsKeyAttr.Ipv4, ip, ipMask), "set(ipv4(dst=10.0.0.1))"),
            (new SetMaskedAction(OvsKeyAttr.Tcp, tcp, tcpMask), "set(tcp(src=42/0xff))"),
            (new SetAction(OvsKeyAttr.Tcp, tcp), "set(tcp(src=42,dst=0))"),
            (new PushVlanAction(0x8100, 0x1000 | 10), "push_vlan(vid=10,pcp=0)"),
            (PopVlanAction.Instance, "pop_vlan"),
            (new RecircAction(1), "recirc(0x1)"),
            (new TruncAction(100), "trunc(100)"),
            (new HashAction(1, 0), "hash(sym_l4(0))"),
            (new MeterAction(3), "meter(3)"),
            (UserspaceAction.WithCookie(7, new SlowPathCookie(0, b, SlowPathReasons.Lacp | SlowPathReasons.Match)), "userspace(pid=7,slow_path(lacp,match))"),
            (UserspaceAction.WithCookie(7, new FlowSampleCookie(0, b, 100, 1, 2, 3, 0xFFFFFFFF, FlowSampleDirection.Ingress)),
                "userspace(pid=7,flow_sample(probability=100,collector_set_id=1,obs_domain_id=2,obs_point_id=3,output_port=4294967295,ingress))"),
            (UserspaceAction.WithCookie(7, new IpfixCookie(0, b, 5)), "userspace(pid=7,ipfix(output_port=5))"),
            (UserspaceAction.WithCookie(7, new ControllerCookie(0, b, false, true, 1, 9, 0xabc, 0, 65535)),
                "userspace(pid=7,controller(reason=1,dont_send=0,continuation=1,recirc_id=9,rule_cookie=0xabc,controller_id=0,max_len=65535))"),
            (new UserspaceAction(7, ByteBlob.FromHex("0102030405")), "userspace(pid=7,userdata(0102030405))"),
            (new UserspaceAction(7, null, false, 4), "userspace(pid=7,tunnel_out_port=4)"),
        };
        foreach (var (action, text) in cases)
        {
            Assert.Equal(text, action.ToString());
            Assert.Equal(DpActions.Of(action), OdpParser.ParseActions(text));
        }
    }

    [Fact]
    public void Vlan_and_encap_and_tcp_flags_format_and_parse()
    {
        var k = default(FlowKey);
        k.DlType = 0x0800;
        k.VlanTci = 0x1000 | (3 << 13) | 10;
        k.NwProto = 6;
        k.TcpFlags = 0x12;
        var m = default(FlowMask);
        m.Unwildcard(FlowFields.DlType);
        m.Unwildcard(FlowFields.VlanTci, 0x1fff);
        m.Unwildcard(FlowFields.NwProto);
        m.Unwildcard(FlowFields.TcpFlags, 0x0fff);
        var match = new Match(k, m);
        var text = OdpFormatter.FormatMatch(match);
        Assert.Equal("eth(),eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),ipv4(proto=6),tcp_flags(syn|ack))", text);
        Assert.Equal(match, OdpParser.ParseMatch(text));

        m.Set(FlowFields.TcpFlags, 0x0012);
        var partial = OdpFormatter.FormatMatch(new Match(k, m));
        Assert.EndsWith("tcp_flags(+syn+ack))", partial, StringComparison.Ordinal);
        k.TcpFlags = 0x02;
        Assert.EndsWith("tcp_flags(+syn-ack))", OdpFormatter.FormatMatch(new Match(k, m)), StringComparison.Ordinal);
    }

    [Fact]
    public void Dump_line_shows_ufid_used_and_flags()
    {
        var ufid = Ufid.Parse("0123abcd-4567-89ef-0123-456789abcdef");
        var f = new DatapathFlow(Megaflow(2, 0xC0A80002, 16, proto: 6), DpActions.Of(new OutputAction(1)),
            new FlowStats(3, 180, 99_488, 0x1F), ufid);
        var line = OdpFormatter.FormatFlow(f, 100_000);
        Assert.Equal("ufid:0123abcd-4567-89ef-0123-456789abcdef, recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4(dst=192.168.0.0/255.255.0.0,proto=6,frag=no), packets:3, bytes:180, used:0.512s, flags:SFPR., actions:1", line);
        Assert.Equal(f, OdpParser.ParseFlow(line, 100_000));
    }

    [Fact]
    public void Verbose_zero_mask_attributes_are_accepted()
    {
        var m = OdpParser.ParseMatch("recirc_id(0),dp_hash(0/0),skb_priority(0/0),in_port(2),skb_mark(0/0),ct_state(0/0),ct_zone(0/0),ct_mark(0/0),ct_label(0/0),eth(src=00:00:00:00:00:00/00:00:00:00:00:00,dst=00:00:00:00:00:00/00:00:00:00:00:00),eth_type(0x0800),ipv4(src=0.0.0.0/0.0.0.0,dst=192.168.0.0/255.255.0.0,proto=6,tos=0/0,ttl=0/0,frag=no),tcp(src=0/0,dst=0/0),tcp_flags(0/0)");
        Assert.Equal(Megaflow(2, 0xC0A80002, 16, proto: 6), m);
    }

    [Theory]
    [InlineData("recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4(dst=300.1.2.3)", 57, "300.1.2.3")]
    [InlineData("recirc_id(0),in_port(2),bogus(1)", 25, "bogus(1)")]
    [InlineData("recirc_id(0),in_port(2),eth(src=00:11)", 33, "00:11)")]
    [InlineData("recirc_id(0x1ffffffff)", 11, "0x1ffffffff)")]
    [InlineData("recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4(frag=maybe)", 58, "maybe)")]
    [InlineData("recirc_id(0),in_port(2),eth(),eth_type(0x86dd),ipv4(proto=6)", 1, "recirc_id(0),in_port(2),")]
    public void Key_parse_errors_name_column_and_token(string text, int column, string token)
    {
        var e = Assert.Throws<OdpParseException>(() => OdpParser.ParseMatch(text));
        Assert.Equal(column, e.Column);
        Assert.StartsWith(token, e.Token, StringComparison.Ordinal);
        Assert.Contains($"column {column}", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1,frobnicate(3)", 3, "frobnicate(3)")]
    [InlineData("sample(sample=200%,actions(1))", 15, "200%")]
    [InlineData("userspace(pid=1,sFlow(vid=0,pcp=0))", 17, "sFlow")]
    [InlineData("userspace(pid=1,userdata(zz))", 26, "zz))")]
    [InlineData("set(in_port(1))", 5, "in_port(1))")]
    [InlineData("1,", 3, "<end>")]
    public void Action_parse_errors_name_column_and_token(string text, int column, string token)
    {
        var e = Assert.Throws<OdpParseException>(() => OdpParser.ParseActions(text));
        Assert.Equal(column, e.Column);
        Assert.StartsWith(token, e.Token, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_and_mask_round_trip_through_text() =>
        Prop.ForAll(DpGen.ValidMatches, m =>
        {
            var text = OdpFormatter.FormatMatch(m);
            Assert.Equal(m, OdpParser.ParseMatch(text));
        }).Check(DpGen.Quick);

    /// <summary>A masked set whose mask covers the whole header prints (and parses) as a full set, as in OVS.</summary>
    private static DpActions Canonical(DpActions a) => new(a.Select(x => x switch
    {
        SetMaskedAction sm when sm.Mask == KeyAttrs.FieldsOf(sm.Attr) => new SetAction(sm.Attr, sm.Value),
        SampleAction s => new SampleAction(s.Probability, Canonical(s.Actions)),
        CloneAction c => new CloneAction(Canonical(c.Actions)),
        _ => x,
    }));

    [Fact]
    public void Actions_round_trip_through_lossless_text() =>
        Prop.ForAll(DpGen.ActionLists, a =>
        {
            var text = OdpFormatter.FormatActions(a, lossless: true);
            Assert.Equal(Canonical(a), OdpParser.ParseActions(text));
        }).Check(DpGen.Quick);

    [Fact]
    public void Dump_lines_round_trip() =>
        Prop.ForAll(DpGen.Arb(r =>
        {
            var f = DpGen.Flow(r);
            var s = f.Stats with { TcpFlags = (ushort)(f.Stats.TcpFlags & 0x1ff), UsedMs = f.Stats.UsedMs is { } u ? u % 1_000_000_000 : null };
            return f.Terse ? f with { Terse = false, Stats = s } : f with { Stats = s, Actions = Canonical(f.Actions) };
        }), f =>
        {
            var line = OdpFormatter.FormatFlow(f, 1_000_000_000, lossless: true);
            Assert.Equal(f, OdpParser.ParseFlow(line, 1_000_000_000));
        }).Check(DpGen.Quick);
}

public class OdpPrefixTests
{
    [Fact]
    public void Ipv6_prefix_masks_parse_including_128()
    {
        var m = OdpParser.ParseMatch("eth(),eth_type(0x86dd),ipv6(src=2001:db8::1/128,dst=2001:db8::/32)");
        Assert.Equal(UInt128.MaxValue, m.Mask.Get(FlowFields.Ipv6Src));
        Assert.Equal(FlowFields.Ipv6Dst.AllOnes << 96, m.Mask.Get(FlowFields.Ipv6Dst));
    }
}
