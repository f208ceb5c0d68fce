using VSwarm.Messages.Flow;
using VSwarm.Messages.Packets;
using Xunit;

namespace VSwarm.Tests.Unit.Packets;

/// <summary>Hand-written frames with their expected keys (hex with spaces between headers).</summary>
public class PacketVectorTests
{
    // A Linux-style TCP SYN with MSS, SACK-permitted, timestamps and window-scale options,
    // 192.168.56.101:51234 -> 93.184.216.34:443, DF, TTL 64, correct checksums.
    private const string TcpSyn =
        "525400123502 0800270a1b2c 0800" +
        "4500003c1c4640004006ef8dc0a838655db8d822" +
        "c82201bb3b9aca0100000000a002faf078130000020405b40402080a0012d6870000000001030307";

    private const string Mac1 = "001122334455";
    private const string Mac2 = "66778899aabb";
    private const string Ip6A = "20010db8000000000000000000000001";
    private const string Ip6B = "20010db8000000000000000000000002";

    [Fact]
    public void Tcp_syn()
    {
        var k = Parse(TcpSyn, 5);
        Assert.Equal(5u, k.InPort);
        Assert.Equal(0x525400123502UL, k.DlDst);
        Assert.Equal(0x0800270a1b2cUL, k.DlSrc);
        Assert.Equal(0, k.VlanTci);
        Assert.Equal(0x0800, k.DlType);
        Assert.Equal(0xC0A83865u, k.NwSrc);
        Assert.Equal(0x5DB8D822u, k.NwDst);
        Assert.Equal(6, k.NwProto);
        Assert.Equal(0, k.NwTos);
        Assert.Equal(64, k.NwTtl);
        Assert.Equal(0, k.NwFrag);
        Assert.Equal(51234, k.TpSrc);
        Assert.Equal(443, k.TpDst);
        Assert.Equal(0x002, k.TcpFlags);
        Assert.True(PacketBuilder.IsCanonical(k));
        Assert.Equal(k, PacketParser.Extract(PacketBuilder.Build(k), 5));
    }

    [Fact]
    public void Vlan_tagged_udp_sets_cfi_in_the_tci()
    {
        var k = Parse(Mac1 + Mac2 + "8100 a064 0800" + "4500001c000000004011 0000 0a000001 0a000002" + "1f90 0035 0008 0000");
        Assert.Equal(0xa064 | FlowKey.VlanCfi, k.VlanTci);
        Assert.Equal(0x0800, k.DlType);
        Assert.Equal(17, k.NwProto);
        Assert.Equal(0x0A000001u, k.NwSrc);
        Assert.Equal(8080, k.TpSrc);
        Assert.Equal(53, k.TpDst);
    }

    [Fact]
    public void Qinq_keeps_the_outer_tci_and_skips_the_inner_tag()
    {
        var k = Parse(Mac1 + Mac2 + "88a8 0064 8100 00c8 0806" + Arp("0001"));
        Assert.Equal(0x0064 | FlowKey.VlanCfi, k.VlanTci);
        Assert.Equal(0x0806, k.DlType);
        Assert.Equal(1, k.NwProto);
    }

    [Fact]
    public void Arp_request()
    {
        var k = Parse("ffffffffffff 00005e005301 0806" + Arp("0001") + new string('0', 36));
        Assert.Equal(0xFFFFFFFFFFFFUL, k.DlDst);
        Assert.Equal(0x0806, k.DlType);
        Assert.Equal(1, k.NwProto);
        Assert.Equal(0xC0000201u, k.NwSrc);
        Assert.Equal(0xC0000202u, k.NwDst);
        Assert.Equal(0x00005e005301UL, k.ArpSha);
        Assert.Equal(0UL, k.ArpTha);
        Assert.Equal(0, k.TpSrc);
        Assert.True(PacketBuilder.IsCanonical(k));
    }

    [Fact]
    public void Arp_opcode_above_255_is_not_stored_but_addresses_are()
    {
        var k = Parse(Mac1 + Mac2 + "0806" + Arp("0100"));
        Assert.Equal(0, k.NwProto);
        Assert.Equal(0xC0000201u, k.NwSrc);
        Assert.Equal(0x00005e005301UL, k.ArpSha);
    }

    [Fact]
    public void Arp_for_another_hardware_type_has_no_l3()
    {
        var k = Parse(Mac1 + Mac2 + "0806" + "0006" + Arp("0001")[4..]);
        Assert.Equal(0x0806, k.DlType);
        Assert.Equal(0u, k.NwSrc);
        Assert.Equal(0, k.NwProto);
    }

    [Fact]
    public void Ipv4_first_fragment_has_ports_and_later_fragment_has_none()
    {
        const string udp = "1f90 0035 0010 0000 0102030405060708";
        var first = Parse(Mac1 + Mac2 + "0800" + "45000024 1234 2000 4011 0000 0a000001 0a000002" + udp);
        Assert.Equal(FlowKey.FragAny, first.NwFrag);
        Assert.Equal(17, first.NwProto);
        Assert.Equal(8080, first.TpSrc);
        Assert.Equal(53, first.TpDst);

        var later = Parse(Mac1 + Mac2 + "0800" + "45000024 1234 00b9 4011 0000 0a000001 0a000002" + udp);
        Assert.Equal(FlowKey.FragAny | FlowKey.FragLater, later.NwFrag);
        Assert.Equal(17, later.NwProto);
        Assert.Equal(0u, later.PortsWord);

        var lastLater = Parse(Mac1 + Mac2 + "0800" + "45000024 1234 20b9 4011 0000 0a000001 0a000002" + udp);
        Assert.Equal(FlowKey.FragAny | FlowKey.FragLater, lastLater.NwFrag);
    }

    [Fact]
    public void Ipv6_fragment_header()
    {
        const string udp = "1f90 0035 0010 0000 0102030405060708";
        var first = Parse(Mac1 + Mac2 + "86dd" + "6000000000182c40" + Ip6A + Ip6B + "11000001 00000001" + udp);
        Assert.Equal(0x86dd, first.DlType);
        Assert.Equal(UInt128.Parse("20010db8000000000000000000000001", System.Globalization.NumberStyles.HexNumber, null), first.Ipv6Src);
        Assert.Equal(FlowKey.FragAny, first.NwFrag);
        Assert.Equal(17, first.NwProto);
        Assert.Equal(8080, first.TpSrc);
        Assert.Equal(64, first.NwTtl);

        var later = Parse(Mac1 + Mac2 + "86dd" + "6000000000182c40" + Ip6A + Ip6B + "110005c8 00000001" + udp);
        Assert.Equal(FlowKey.FragAny | FlowKey.FragLater, later.NwFrag);
        Assert.Equal(PacketParser.ProtoFragment, later.NwProto);
        Assert.Equal(0u, later.PortsWord);

        // An atomic fragment (offset 0, M clear) is not a fragment.
        var atomic = Parse(Mac1 + Mac2 + "86dd" + "6000000000182c40" + Ip6A + Ip6B + "11000000 00000001" + udp);
        Assert.Equal(0, atomic.NwFrag);
        Assert.Equal(17, atomic.NwProto);
        Assert.Equal(53, atomic.TpDst);
    }

    [Fact]
    public void Ipv6_extension_headers_are_walked_to_tcp()
    {
        // Traffic class 0xb8, label 0x12345; hop-by-hop, destination options, then TCP (ACK|PSH).
        var k = Parse(Mac1 + Mac2 + "86dd" + "6b812345 0024 00 07" + Ip6A + Ip6B
            + "3c00 0104 00000000" + "0600 0104 00000000"
            + "0050 c350 00000000 00000000 5018 ffff 0000 0000");
        Assert.Equal(6, k.NwProto);
        Assert.Equal(0xb8, k.NwTos);
        Assert.Equal(0x12345u, k.Ipv6Label);
        Assert.Equal(7, k.NwTtl);
        Assert.Equal(80, k.TpSrc);
        Assert.Equal(50000, k.TpDst);
        Assert.Equal(0x018, k.TcpFlags);
    }

    [Fact]
    public void Ipv6_truncated_extension_header_stops_the_walk()
    {
        var k = Parse(Mac1 + Mac2 + "86dd" + "6000000000100040" + Ip6A + Ip6B + "0601 0104 00000000" + "00000000");
        Assert.Equal(PacketParser.ProtoHopByHop, k.NwProto);
        Assert.Equal(0u, k.PortsWord);
    }

    [Fact]
    public void Icmpv6_neighbor_solicitation_with_sll()
    {
        var k = Parse("3333ff000002 00005e005301 86dd" + "6000000000203aff"
            + "fe800000000000000000000000000001" + "ff0200000000000000000001ff000002"
            + "8700 0000 00000000" + "fe800000000000000000000000000002" + "0101 00005e005301");
        Assert.Equal(PacketParser.ProtoIcmpv6, k.NwProto);
        Assert.Equal(135, k.TpSrc);
        Assert.Equal(0, k.TpDst);
        Assert.Equal(new UInt128(0xfe80_0000_0000_0000, 2), k.NdTarget);
        Assert.Equal(0x00005e005301UL, k.ArpSha);
        Assert.Equal(0UL, k.ArpTha);
        Assert.Equal(255, k.NwTtl);
        Assert.True(PacketBuilder.IsCanonical(k));
        Assert.Equal(k, PacketParser.Extract(PacketBuilder.Build(k), 1));
    }

    [Fact]
    public void Neighbor_advertisement_with_a_malformed_option_drops_the_nd_fields()
    {
        var k = Parse(Mac1 + Mac2 + "86dd" + "6000000000283aff" + Ip6A + Ip6B
            + "8800 0000 60000000" + Ip6A + "0201 66778899aabb" + "0100 000000000000");
        Assert.Equal(136, k.TpSrc);
        Assert.Equal(UInt128.Zero, k.NdTarget);
        Assert.Equal(0UL, k.ArpTha);
    }

    [Fact]
    public void Icmp_echo_request()
    {
        var k = Parse(Mac1 + Mac2 + "0800" + "4500001c00000000 4001 0000 0a000001 0a000002" + "0800 f7ff 0000 0000");
        Assert.Equal(1, k.NwProto);
        Assert.Equal(8, k.TpSrc);
        Assert.Equal(0, k.TpDst);
    }

    [Fact]
    public void Sctp_ports()
    {
        var k = Parse(Mac1 + Mac2 + "0800" + "4500002000000000 4084 0000 0a000001 0a000002" + "0b59 0b5a 00000000 00000000");
        Assert.Equal(132, k.NwProto);
        Assert.Equal(2905, k.TpSrc);
        Assert.Equal(2906, k.TpDst);
    }

    [Fact]
    public void Llc_frame_has_no_ethertype_and_snap_carries_one()
    {
        var stp = Parse("0180c2000000 00005e005301 0026 424203" + new string('0', 70));
        Assert.Equal(PacketParser.DlTypeNone, stp.DlType);
        Assert.Equal(0x0180c2000000UL, stp.DlDst);

        var snap = Parse(Mac1 + Mac2 + "0030 aaaa03 000000 0800" + "4500001c000000004011 0000 0a000001 0a000002" + "1f90 0035 0008 0000");
        Assert.Equal(0x0800, snap.DlType);
        Assert.Equal(53, snap.TpDst);

        var shortLlc = Parse(Mac1 + Mac2 + "0003 aaaa03");
        Assert.Equal(PacketParser.DlTypeNone, shortLlc.DlType);
    }

    [Fact]
    public void Frame_shorter_than_ethernet_has_no_fields()
    {
        var k = Parse(TcpSyn.Replace(" ", "", StringComparison.Ordinal)[..26], 4);
        var expected = default(FlowKey);
        expected.InPort = 4;
        Assert.Equal(expected, k);
    }

    [Fact]
    public void Frame_truncated_after_ethernet_has_only_l2()
    {
        var k = Parse(TcpSyn.Replace(" ", "", StringComparison.Ordinal)[..28]);
        Assert.Equal(0x0800, k.DlType);
        Assert.Equal(0x525400123502UL, k.DlDst);
        Assert.True(FlowWordOps.IsZero(k.ReadOnlyWords[8..]));
    }

    [Fact]
    public void Tcp_truncated_after_the_ip_header_has_ports_zero()
    {
        var k = Parse(TcpSyn.Replace(" ", "", StringComparison.Ordinal)[..(34 * 2)]);
        Assert.Equal(6, k.NwProto);
        Assert.Equal(0xC0A83865u, k.NwSrc);
        Assert.Equal(64, k.NwTtl);
        Assert.Equal(0u, k.PortsWord);
        Assert.Equal(0, k.TcpFlags);

        // Same, with a consistent total length of 20 and Ethernet padding: still ports 0.
        var padded = Parse(Mac1 + Mac2 + "0800" + "45000014000000004006 0000 0a000001 0a000002" + new string('1', 52));
        Assert.Equal(6, padded.NwProto);
        Assert.Equal(0u, padded.PortsWord);
    }

    [Fact]
    public void Tpid_frame_truncated_after_the_ethertype_has_tci_zero_without_cfi()
    {
        var k = Parse(Mac1 + Mac2 + "8100");
        Assert.Equal(0, k.VlanTci);
        Assert.Equal(0x8100, k.DlType);

        var withTci = Parse(Mac1 + Mac2 + "8100 0064");
        Assert.Equal(0, withTci.VlanTci);
        Assert.Equal(0x8100, withTci.DlType);

        // A tag with TCI 0 that is complete is "present": CFI set.
        var zeroTci = Parse(Mac1 + Mac2 + "8100 0000 88cc");
        Assert.Equal(FlowKey.VlanCfi, zeroTci.VlanTci);
        Assert.Equal(0x88cc, zeroTci.DlType);
    }

    [Fact]
    public void Malformed_ipv4_stops_after_l2()
    {
        var syn = TcpSyn.Replace(" ", "", StringComparison.Ordinal);
        foreach (var bad in new[] { "44", "40", "65", "35" })
        {
            var k = Parse(syn[..28] + bad + syn[30..]);
            Assert.Equal(0x0800, k.DlType);
            Assert.Equal(0x525400123502UL, k.DlDst);
            Assert.True(FlowWordOps.IsZero(k.ReadOnlyWords[8..]), bad);
        }
    }

    private static string Arp(string op) =>
        "0001 0800 06 04" + op + "00005e005301 c0000201 000000000000 c0000202";

    private static FlowKey Parse(string hex, uint inPort = 1) =>
        PacketParser.Extract(Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal)), inPort);
}
