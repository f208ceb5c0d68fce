using VSwarm.Messages.Flow;
using VSwarm.Messages.Ofctl;
using Xunit;

namespace VSwarm.Tests.Unit.Ofctl;

public class MegaflowFormatterTests
{
    /// <summary>Builds a megaflow by hand: recirc_id=0 exact, then (field, value, mask) triples.</summary>
    private static Match Mf(params (FlowField Field, UInt128 Value, UInt128 Mask)[] fields)
    {
        var k = default(FlowKey);
        var m = default(FlowMask);
        m.Unwildcard(FlowFields.RecircId);
        foreach (var (f, v, mask) in fields)
        {
            k.Set(f, v);
            m.Set(f, mask);
        }

        return new Match(k, m);
    }

    private static (FlowField, UInt128, UInt128) Exact(FlowField f, UInt128 v) => (f, v, f.AllOnes);

    private static (FlowField, UInt128, UInt128) Ip4(uint dst, int plen) => (FlowFields.NwDst, dst, FlowFields.NwDst.PrefixMask(plen));

    private static readonly (FlowField, UInt128, UInt128) FragNo = (FlowFields.NwFrag, 0, 3);

    private static readonly (FlowField, UInt128, UInt128) Tcp = (FlowFields.NwProto, 6, 0xff);

    private static readonly (FlowField, UInt128, UInt128) Ipv4 = (FlowFields.DlType, 0x0800, 0xffff);

    [Fact]
    public void Example1_s8_3_and_item2()
    {
        var m = Mf(Exact(FlowFields.InPort, 2), Ipv4, Tcp, Ip4(0xC0A80002, 16), FragNo);
        Assert.Equal("recirc_id=0,eth,tcp,in_port=2,nw_dst=192.168.0.0/16,nw_frag=no", MegaflowFormatter.Format(m));
    }

    [Fact]
    public void Example2_ip_not_tcp_when_nw_proto_is_wildcarded()
    {
        var m = Mf(Exact(FlowFields.InPort, 1), Ipv4, Ip4(0x0B01020F, 8), FragNo);
        Assert.Equal("recirc_id=0,eth,ip,in_port=1,nw_dst=11.0.0.0/8,nw_frag=no", MegaflowFormatter.Format(m));
    }

    [Fact]
    public void Example3_exact_tp_dst()
    {
        var m = Mf(Exact(FlowFields.InPort, 1), Ipv4, Tcp, Ip4(0x0A01020F, 32), FragNo, Exact(FlowFields.TpDst, 80));
        Assert.Equal("recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.2.15,nw_frag=no,tp_dst=80", MegaflowFormatter.Format(m));
    }

    [Fact]
    public void Example4_partial_tp_dst_prints_hex_value_and_mask()
    {
        var m = Mf(Exact(FlowFields.InPort, 1), Ipv4, Tcp, Ip4(0x0A01020F, 32), FragNo, (FlowFields.TpDst, 79, 0xfff0));
        Assert.Equal("recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.2.15,nw_frag=no,tp_dst=0x40/0xfff0", MegaflowFormatter.Format(m));
    }

    [Fact]
    public void Item6_trie_maskbits_24()
    {
        var m = Mf(Exact(FlowFields.InPort, 1), Ipv4, Tcp, Ip4(0x0A010301, 24), FragNo);
        Assert.Equal("recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.3.0/24,nw_frag=no", MegaflowFormatter.Format(m));
    }

    [Fact]
    public void Item7_two_port_tries()
    {
        var m = Mf(Exact(FlowFields.InPort, 1), Ipv4, Tcp, Ip4(0x0A01020F, 32), FragNo, (FlowFields.TpSrc, 8, 0xffc0), (FlowFields.TpDst, 79, 0xfff0));
        Assert.Equal("recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.2.15,nw_frag=no,tp_src=0x0/0xffc0,tp_dst=0x40/0xfff0", MegaflowFormatter.Format(m));
    }

    [Fact]
    public void Item8_tries_disabled()
    {
        var m = Mf(Exact(FlowFields.InPort, 1), Ipv4, Tcp, Ip4(0x0A010310, 32), FragNo);
        Assert.Equal("recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.3.16,nw_frag=no", MegaflowFormatter.Format(m));
    }

    [Theory]
    [InlineData(80, 0xffff, 0x02, "tp_dst=80,tcp_flags=-psh")]
    [InlineData(80, 0xffff, 0x18, "tp_dst=80,tcp_flags=+psh")]
    [InlineData(79, 0xfff0, 0x02, "tp_dst=0x40/0xfff0,tcp_flags=-psh")]
    [InlineData(81, 0xffff, 0x02, "tp_dst=81,tcp_flags=-psh")]
    public void Item9_tcp_flags_partial_masks(int port, int portMask, int flags, string tail)
    {
        var m = Mf(Exact(FlowFields.InPort, 1), Ipv4, Tcp, FragNo, (FlowFields.TpDst, (uint)port, (uint)portMask), (FlowFields.TcpFlags, (uint)flags, 0x008));
        Assert.Equal("recirc_id=0,eth,tcp,in_port=1,nw_frag=no," + tail, MegaflowFormatter.Format(m));
    }

    [Fact]
    public void Item10_icmpv6_echo_request()
    {
        var m = Mf(Exact(FlowFields.InPort, 2), (FlowFields.DlType, 0x86dd, 0xffff), (FlowFields.NwProto, 58, 0xff),
            Exact(FlowFields.NwTtl, 255), FragNo, (FlowFields.TpSrc, 128, 0xfc), Exact(FlowFields.NdTarget, 0));
        Assert.Equal("recirc_id=0,eth,icmp6,in_port=2,nw_ttl=255,nw_frag=no,icmp_type=0x80/0xfc,nd_target=::", MegaflowFormatter.Format(m));
    }

    [Fact]
    public void Item10_neighbor_solicitation()
    {
        var target = ((UInt128)0x1000 << 112) | 1;
        var m = Mf(Exact(FlowFields.InPort, 2), (FlowFields.DlType, 0x86dd, 0xffff), (FlowFields.NwProto, 58, 0xff),
            Exact(FlowFields.NwTtl, 255), FragNo, (FlowFields.TpSrc, 135, 0xff), (FlowFields.TpDst, 0, 0xff), Exact(FlowFields.NdTarget, target));
        Assert.Equal("recirc_id=0,eth,icmp6,in_port=2,nw_ttl=255,nw_frag=no,icmp_type=0x87/0xff,icmp_code=0x0/0xff,nd_target=1000::1", MegaflowFormatter.Format(m));
    }

    [Fact]
    public void Item11_icmpv4_type_with_8_bit_mask_and_later_fragment()
    {
        var icmp = Mf(Exact(FlowFields.InPort, 1), Ipv4, (FlowFields.NwProto, 1, 0xff), FragNo, (FlowFields.TpSrc, 8, 0xff));
        Assert.Equal("recirc_id=0,eth,icmp,in_port=1,nw_frag=no,icmp_type=0x8/0xff", MegaflowFormatter.Format(icmp));
        var later = Mf(Exact(FlowFields.InPort, 1), Ipv4, Tcp, (FlowFields.NwFrag, 3, 3));
        Assert.Equal("recirc_id=0,eth,tcp,in_port=1,nw_frag=later", MegaflowFormatter.Format(later));
    }

    [Theory]
    [InlineData(0x100a, 0x1fff, "dl_vlan=10")]
    [InlineData(0x0000, 0x1fff, "vlan_tci=0x0000/0x1fff")]
    [InlineData(0x0000, 0xffff, "vlan_tci=0x0000")]
    [InlineData(0x700a, 0xffff, "dl_vlan=10,dl_vlan_pcp=3")]
    [InlineData(0x100a, 0x0fff, "vlan_tci=0x000a/0x0fff")]
    public void Vlan_spelling(int tci, int mask, string vlan)
    {
        var m = Mf(Exact(FlowFields.InPort, 1), (FlowFields.VlanTci, (uint)tci, (uint)mask));
        Assert.Equal("recirc_id=0,eth,in_port=1," + vlan, MegaflowFormatter.Format(m));
    }

    [Theory]
    [InlineData(0, 3, "no")]
    [InlineData(1, 3, "first")]
    [InlineData(3, 3, "later")]
    [InlineData(0, 1, "no")]
    [InlineData(1, 1, "yes")]
    [InlineData(0, 2, "not_later")]
    [InlineData(2, 2, "later")]
    public void Nw_frag_spelling(int value, int mask, string text)
    {
        var m = Mf(Ipv4, (FlowFields.NwFrag, (uint)value, (uint)mask));
        Assert.Equal("recirc_id=0,eth,ip,nw_frag=" + text, MegaflowFormatter.Format(m));
    }

    [Fact]
    public void Field_order_covers_l2_l3_tos_ttl_and_arp()
    {
        var m = Mf(Exact(FlowFields.InPort, 3), (FlowFields.DlSrc, 0x505400000005, 0xffffffffffff), (FlowFields.DlDst, 0x010000000000, 0x010000000000),
            Ipv4, (FlowFields.NwProto, 17, 0xff), (FlowFields.NwSrc, 0x0A000001, 0xFF00FF00), (FlowFields.NwTos, 0x12, 0xff), Exact(FlowFields.NwTtl, 64), FragNo,
            Exact(FlowFields.TpDst, 53));
        Assert.Equal(
            "recirc_id=0,eth,udp,in_port=3,dl_src=50:54:00:00:00:05,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,nw_src=10.0.0.0/255.0.255.0,nw_tos=16,nw_ecn=2,nw_ttl=64,nw_frag=no,tp_dst=53",
            MegaflowFormatter.Format(m));
        var arp = Mf(Exact(FlowFields.InPort, 1), (FlowFields.DlType, 0x0806, 0xffff), Exact(FlowFields.NwProto, 1), Exact(FlowFields.NwDst, 0x0A000001), Exact(FlowFields.ArpSha, 0x0a0b0c0d0e0f));
        Assert.Equal("recirc_id=0,eth,arp,in_port=1,arp_tpa=10.0.0.1,arp_op=1,arp_sha=0a:0b:0c:0d:0e:0f", MegaflowFormatter.Format(arp));
    }

    [Fact]
    public void A_fully_exact_mask_prints_ipv6_label_and_tcp_flags_as_exact()
    {
        var k = default(FlowKey);
        k.DlType = 0x86dd;
        k.NwProto = 6;
        k.Ipv6Label = 0x12345;
        k.TcpFlags = 0x012;
        k.VlanTci = 0;
        var text = MegaflowFormatter.Format(new Match(k, FlowMask.Exact));
        Assert.Contains(",ipv6_label=0x12345,", text, StringComparison.Ordinal);
        Assert.EndsWith(",tcp_flags=syn|ack", text, StringComparison.Ordinal);
        Assert.StartsWith("recirc_id=0,eth,tcp6,reg0=0,", text, StringComparison.Ordinal);
    }

    /// <summary>Megaflow lines printed by the real OVS 3.1 ofproto/trace (recorded oracle cases).</summary>
    [Theory]
    [InlineData("recirc_id=0,eth,arp,in_port=1")]
    [InlineData("recirc_id=0,eth,arp,in_port=1,dl_dst=ff:ff:ff:ff:ff:ff")]
    [InlineData("recirc_id=0,eth,in_port=1,dl_dst=00:00:00:00:00:02,dl_type=0x88b5")]
    [InlineData("recirc_id=0,eth,ip,in_port=1,dl_dst=00:00:00:00:00:02,nw_frag=no")]
    [InlineData("recirc_id=0,eth,ip,in_port=1,nw_dst=128.0.0.0/2,nw_frag=no")]
    [InlineData("recirc_id=0,eth,ip,in_port=1,nw_src=0.0.0.0/5,nw_frag=no")]
    [InlineData("recirc_id=0,eth,ip,in_port=1,nw_src=8.0.0.0/7,nw_frag=no")]
    [InlineData("recirc_id=0,eth,ip,in_port=2,dl_dst=01:00:5e:00:00:01,nw_frag=no")]
    [InlineData("recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.128.0/17,nw_frag=no,tp_dst=0x0/0xffc0")]
    [InlineData("recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.2.3,nw_frag=no,tp_dst=0x100/0xff00")]
    [InlineData("recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.2.3,nw_frag=no,tp_dst=0x400/0xfc00")]
    [InlineData("recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.2.3,nw_frag=no,tp_dst=22")]
    [InlineData("recirc_id=0,eth,tcp,in_port=1,nw_dst=10.1.64.0/18,nw_frag=no,tp_dst=0x50/0xfff0")]
    [InlineData("recirc_id=0,eth,tcp,in_port=1,nw_dst=10.8.0.0/13,nw_frag=no,tp_dst=0x1f98/0xfff8")]
    [InlineData("recirc_id=0,eth,tcp,in_port=1,nw_dst=11.0.0.1,nw_frag=no")]
    [InlineData("recirc_id=0,eth,udp,in_port=1,nw_dst=192.168.0.0/16,nw_frag=no,tp_dst=0x36/0xfffe")]
    [InlineData("recirc_id=0,eth,udp,in_port=1,nw_dst=192.168.7.7,nw_frag=no,tp_dst=53")]
    public void Real_ovs_megaflow_lines_parse_and_format_back(string line)
    {
        var match = OfctlFlowParser.ParseFlow(line, requireActions: false).Match;
        Assert.Equal(line, MegaflowFormatter.Format(match));
    }
}
