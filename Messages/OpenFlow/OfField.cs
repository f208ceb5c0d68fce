using System.Collections.Frozen;
using VSwarm.Messages.Flow;

namespace VSwarm.Messages.OpenFlow;

/// <summary>How a field's values are written in ovs-ofctl text.</summary>
public enum OfFieldFormat
{
    /// <summary>Unsigned decimal when exact (hex when masked).</summary>
    Dec,

    /// <summary>Hexadecimal with a 0x prefix.</summary>
    Hex,

    /// <summary>Ethernet address xx:xx:xx:xx:xx:xx.</summary>
    Mac,

    /// <summary>Dotted-quad IPv4 address.</summary>
    Ipv4,

    /// <summary>IPv6 address text.</summary>
    Ipv6,

    /// <summary>OpenFlow port number or name (LOCAL, CONTROLLER…).</summary>
    Port,
}

/// <summary>
/// An OpenFlow field as OVS's meta-flow knows it (mf_field): a run of <see cref="Bits"/> bits
/// starting at bit <see cref="Shift"/> of a <see cref="FlowField"/> of the flow layout. Several
/// OpenFlow fields may share storage (icmp_type is the low byte of tp_src, ip_dscp the high six
/// bits of nw_tos, arp_spa is nw_src…), exactly as OVS stores them.
/// </summary>
/// <param name="Name">OVS's canonical field name (what set_field prints).</param>
/// <param name="Storage">The flow-layout field holding the bits.</param>
/// <param name="Shift">Position of the field's least significant bit inside the storage field.</param>
/// <param name="Bits">Width in bits.</param>
/// <param name="Format">How values are written.</param>
/// <param name="NxmName">The NXM/OXM name load/move print (NXM_NX_REG0…), or null when OVS has none and prints <paramref name="Name"/>.</param>
public sealed record OfField(string Name, FlowField Storage, int Shift, int Bits, OfFieldFormat Format, string? NxmName)
{
    /// <summary>All ones over the field's width.</summary>
    public UInt128 AllOnes => Bits == 128 ? UInt128.MaxValue : (UInt128.One << Bits) - 1;

    /// <summary>The name load/move print: the NXM name when there is one.</summary>
    public string SubfieldName => NxmName ?? Name;

    /// <summary>Reads the field value from a key or a mask's words.</summary>
    public UInt128 Read(ReadOnlySpan<ulong> words) => (Storage.Read(words) >> Shift) & AllOnes;

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>The OpenFlow fields VSwarm models, by OVS's canonical names.</summary>
public static class OfFields
{
#pragma warning disable CS1591 // one field per OVS name; the names are the documentation
    public static readonly OfField InPort = new("in_port", FlowFields.InPort, 0, 16, OfFieldFormat.Port, "NXM_OF_IN_PORT");
    public static readonly OfField EthSrc = new("eth_src", FlowFields.DlSrc, 0, 48, OfFieldFormat.Mac, "NXM_OF_ETH_SRC");
    public static readonly OfField EthDst = new("eth_dst", FlowFields.DlDst, 0, 48, OfFieldFormat.Mac, "NXM_OF_ETH_DST");
    public static readonly OfField EthType = new("eth_type", FlowFields.DlType, 0, 16, OfFieldFormat.Hex, "NXM_OF_ETH_TYPE");
    public static readonly OfField VlanTci = new("vlan_tci", FlowFields.VlanTci, 0, 16, OfFieldFormat.Hex, "NXM_OF_VLAN_TCI");
    public static readonly OfField VlanVid = new("vlan_vid", FlowFields.VlanTci, 0, 13, OfFieldFormat.Dec, "OXM_OF_VLAN_VID");
    public static readonly OfField VlanPcp = new("vlan_pcp", FlowFields.VlanTci, 13, 3, OfFieldFormat.Dec, "OXM_OF_VLAN_PCP");
    public static readonly OfField IpSrc = new("ip_src", FlowFields.NwSrc, 0, 32, OfFieldFormat.Ipv4, "NXM_OF_IP_SRC");
    public static readonly OfField IpDst = new("ip_dst", FlowFields.NwDst, 0, 32, OfFieldFormat.Ipv4, "NXM_OF_IP_DST");
    public static readonly OfField ArpSpa = new("arp_spa", FlowFields.NwSrc, 0, 32, OfFieldFormat.Ipv4, "NXM_OF_ARP_SPA");
    public static readonly OfField ArpTpa = new("arp_tpa", FlowFields.NwDst, 0, 32, OfFieldFormat.Ipv4, "NXM_OF_ARP_TPA");
    public static readonly OfField ArpOp = new("arp_op", FlowFields.NwProto, 0, 8, OfFieldFormat.Dec, "NXM_OF_ARP_OP");
    public static readonly OfField ArpSha = new("arp_sha", FlowFields.ArpSha, 0, 48, OfFieldFormat.Mac, "NXM_NX_ARP_SHA");
    public static readonly OfField ArpTha = new("arp_tha", FlowFields.ArpTha, 0, 48, OfFieldFormat.Mac, "NXM_NX_ARP_THA");
    public static readonly OfField Ipv6Src = new("ipv6_src", FlowFields.Ipv6Src, 0, 128, OfFieldFormat.Ipv6, "NXM_NX_IPV6_SRC");
    public static readonly OfField Ipv6Dst = new("ipv6_dst", FlowFields.Ipv6Dst, 0, 128, OfFieldFormat.Ipv6, "NXM_NX_IPV6_DST");
    public static readonly OfField Ipv6Label = new("ipv6_label", FlowFields.Ipv6Label, 0, 20, OfFieldFormat.Hex, "NXM_NX_IPV6_LABEL");
    public static readonly OfField NdTarget = new("nd_target", FlowFields.NdTarget, 0, 128, OfFieldFormat.Ipv6, "NXM_NX_ND_TARGET");
    public static readonly OfField NdSll = new("nd_sll", FlowFields.ArpSha, 0, 48, OfFieldFormat.Mac, "NXM_NX_ND_SLL");
    public static readonly OfField NdTll = new("nd_tll", FlowFields.ArpTha, 0, 48, OfFieldFormat.Mac, "NXM_NX_ND_TLL");
    public static readonly OfField NwProto = new("nw_proto", FlowFields.NwProto, 0, 8, OfFieldFormat.Dec, "NXM_OF_IP_PROTO");
    public static readonly OfField NwTos = new("nw_tos", FlowFields.NwTos, 0, 8, OfFieldFormat.Dec, "NXM_OF_IP_TOS");
    public static readonly OfField IpDscp = new("ip_dscp", FlowFields.NwTos, 2, 6, OfFieldFormat.Dec, "OXM_OF_IP_DSCP");
    public static readonly OfField NwEcn = new("nw_ecn", FlowFields.NwTos, 0, 2, OfFieldFormat.Dec, "NXM_NX_IP_ECN");
    public static readonly OfField NwTtl = new("nw_ttl", FlowFields.NwTtl, 0, 8, OfFieldFormat.Dec, "NXM_NX_IP_TTL");
    public static readonly OfField IpFrag = new("ip_frag", FlowFields.NwFrag, 0, 8, OfFieldFormat.Hex, "NXM_NX_IP_FRAG");
    public static readonly OfField TcpSrc = new("tcp_src", FlowFields.TpSrc, 0, 16, OfFieldFormat.Dec, "NXM_OF_TCP_SRC");
    public static readonly OfField TcpDst = new("tcp_dst", FlowFields.TpDst, 0, 16, OfFieldFormat.Dec, "NXM_OF_TCP_DST");
    public static readonly OfField UdpSrc = new("udp_src", FlowFields.TpSrc, 0, 16, OfFieldFormat.Dec, "NXM_OF_UDP_SRC");
    public static readonly OfField UdpDst = new("udp_dst", FlowFields.TpDst, 0, 16, OfFieldFormat.Dec, "NXM_OF_UDP_DST");
    public static readonly OfField SctpSrc = new("sctp_src", FlowFields.TpSrc, 0, 16, OfFieldFormat.Dec, "OXM_OF_SCTP_SRC");
    public static readonly OfField SctpDst = new("sctp_dst", FlowFields.TpDst, 0, 16, OfFieldFormat.Dec, "OXM_OF_SCTP_DST");
    public static readonly OfField IcmpType = new("icmp_type", FlowFields.TpSrc, 0, 8, OfFieldFormat.Dec, "NXM_OF_ICMP_TYPE");
    public static readonly OfField IcmpCode = new("icmp_code", FlowFields.TpDst, 0, 8, OfFieldFormat.Dec, "NXM_OF_ICMP_CODE");
    public static readonly OfField Icmpv6Type = new("icmpv6_type", FlowFields.TpSrc, 0, 8, OfFieldFormat.Dec, "NXM_NX_ICMPV6_TYPE");
    public static readonly OfField Icmpv6Code = new("icmpv6_code", FlowFields.TpDst, 0, 8, OfFieldFormat.Dec, "NXM_NX_ICMPV6_CODE");
    public static readonly OfField TcpFlags = new("tcp_flags", FlowFields.TcpFlags, 0, 12, OfFieldFormat.Hex, "NXM_NX_TCP_FLAGS");
    public static readonly OfField Metadata = new("metadata", FlowFields.Metadata, 0, 64, OfFieldFormat.Hex, "OXM_OF_METADATA");
    public static readonly OfField RecircId = new("recirc_id", FlowFields.RecircId, 0, 32, OfFieldFormat.Dec, null);
#pragma warning restore CS1591

    /// <summary>reg0..reg7 (NXM_NX_REG0..7).</summary>
    public static readonly IReadOnlyList<OfField> Regs =
        [.. Enumerable.Range(0, 8).Select(i => new OfField($"reg{i}", FlowFields.Regs[i], 0, 32, OfFieldFormat.Hex, $"NXM_NX_REG{i}"))];

    /// <summary>Every field.</summary>
    public static readonly IReadOnlyList<OfField> All =
    [
        InPort, EthSrc, EthDst, EthType, VlanTci, VlanVid, VlanPcp, IpSrc, IpDst, ArpSpa, ArpTpa, ArpOp,
        ArpSha, ArpTha, Ipv6Src, Ipv6Dst, Ipv6Label, NdTarget, NdSll, NdTll, NwProto, NwTos, IpDscp,
        NwEcn, NwTtl, IpFrag, TcpSrc, TcpDst, UdpSrc, UdpDst, SctpSrc, SctpDst, IcmpType, IcmpCode,
        Icmpv6Type, Icmpv6Code, TcpFlags, Metadata, RecircId, .. Regs,
    ];

    private static readonly FrozenDictionary<string, OfField> ByName = BuildNames();

    /// <summary>
    /// Finds a field by any name ovs-ofctl accepts in set_field, load and move: the canonical name,
    /// its aliases (dl_src, nw_src, tp_dst, ip_proto, ip_ecn, nw_frag…) or its NXM/OXM name.
    /// </summary>
    public static OfField? Find(string name) => ByName.GetValueOrDefault(name);

    private static FrozenDictionary<string, OfField> BuildNames()
    {
        var d = new Dictionary<string, OfField>(StringComparer.Ordinal);
        foreach (var f in All)
        {
            d[f.Name] = f;
            if (f.NxmName is not null)
            {
                d[f.NxmName] = f;
            }
        }

        d["dl_src"] = EthSrc;
        d["dl_dst"] = EthDst;
        d["dl_type"] = EthType;
        d["nw_src"] = IpSrc;
        d["nw_dst"] = IpDst;
        d["ip_proto"] = NwProto;
        d["ip_ecn"] = NwEcn;
        d["nw_frag"] = IpFrag;
        d["tp_src"] = TcpSrc;
        d["tp_dst"] = TcpDst;
        d["OXM_OF_IN_PORT"] = InPort;
        d["OXM_OF_ETH_SRC"] = EthSrc;
        d["OXM_OF_ETH_DST"] = EthDst;
        d["OXM_OF_ETH_TYPE"] = EthType;
        d["OXM_OF_IPV4_SRC"] = IpSrc;
        d["OXM_OF_IPV4_DST"] = IpDst;
        d["OXM_OF_IP_PROTO"] = NwProto;
        d["OXM_OF_IP_ECN"] = NwEcn;
        d["OXM_OF_TCP_SRC"] = TcpSrc;
        d["OXM_OF_TCP_DST"] = TcpDst;
        d["OXM_OF_UDP_SRC"] = UdpSrc;
        d["OXM_OF_UDP_DST"] = UdpDst;
        d["OXM_OF_IPV6_SRC"] = Ipv6Src;
        d["OXM_OF_IPV6_DST"] = Ipv6Dst;
        d["OXM_OF_IPV6_FLABEL"] = Ipv6Label;
        d["OXM_OF_ARP_OP"] = ArpOp;
        d["OXM_OF_ARP_SPA"] = ArpSpa;
        d["OXM_OF_ARP_TPA"] = ArpTpa;
        d["OXM_OF_ARP_SHA"] = ArpSha;
        d["OXM_OF_ARP_THA"] = ArpTha;
        return d.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
