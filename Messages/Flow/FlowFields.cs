using System.Collections.Frozen;

namespace VSwarm.Messages.Flow;

/// <summary>
/// Every field VSwarm models, by its OVS name. Aliases that OVS stores in the same bits (arp_spa
/// in nw_src, arp_op in nw_proto, icmp_type in tp_src, nd_sll in arp_sha…) are resolved by the
/// text syntaxes, not here.
/// </summary>
public static class FlowFields
{
    /// <summary>Recirculation id (0 for packets fresh from a port).</summary>
    public static readonly FlowField RecircId = new("recirc_id", 0, 32, 32);

    /// <summary>Ingress port (OpenFlow port in ofproto, datapath port in dpif).</summary>
    public static readonly FlowField InPort = new("in_port", 0, 0, 32);

    /// <summary>OpenFlow metadata (never part of a megaflow).</summary>
    public static readonly FlowField Metadata = new("metadata", 1, 0, 64);

    /// <summary>Registers reg0..reg7 (never part of a megaflow).</summary>
    public static readonly FlowField[] Regs =
    [
        new("reg0", 2, 32, 32), new("reg1", 2, 0, 32),
        new("reg2", 3, 32, 32), new("reg3", 3, 0, 32),
        new("reg4", 4, 32, 32), new("reg5", 4, 0, 32),
        new("reg6", 5, 32, 32), new("reg7", 5, 0, 32),
    ];

    /// <summary>Ethernet destination.</summary>
    public static readonly FlowField DlDst = new("dl_dst", 6, 16, 48);

    /// <summary>802.1Q TCI of the outer tag; the CFI bit (0x1000) set means "a tag is present".</summary>
    public static readonly FlowField VlanTci = new("vlan_tci", 6, 0, 16);

    /// <summary>Ethernet source.</summary>
    public static readonly FlowField DlSrc = new("dl_src", 7, 16, 48);

    /// <summary>Ethertype (0x05ff for 802.2 frames without one, as OVS).</summary>
    public static readonly FlowField DlType = new("dl_type", 7, 0, 16);

    /// <summary>IPv4 source (ARP sender protocol address too).</summary>
    public static readonly FlowField NwSrc = new("nw_src", 8, 32, 32);

    /// <summary>IPv4 destination (ARP target protocol address too).</summary>
    public static readonly FlowField NwDst = new("nw_dst", 8, 0, 32);

    /// <summary>IPv6 source.</summary>
    public static readonly FlowField Ipv6Src = new("ipv6_src", 9, 0, 128);

    /// <summary>IPv6 destination.</summary>
    public static readonly FlowField Ipv6Dst = new("ipv6_dst", 11, 0, 128);

    /// <summary>IP protocol (ARP opcode for ARP, as OVS stores it).</summary>
    public static readonly FlowField NwProto = new("nw_proto", 13, 56, 8);

    /// <summary>The whole IP TOS / traffic class byte: DSCP in the high 6 bits, ECN in the low 2.</summary>
    public static readonly FlowField NwTos = new("nw_tos", 13, 48, 8);

    /// <summary>IP TTL / hop limit.</summary>
    public static readonly FlowField NwTtl = new("nw_ttl", 13, 40, 8);

    /// <summary>Fragment bits: <see cref="FlowKey.FragAny"/> and <see cref="FlowKey.FragLater"/>.</summary>
    public static readonly FlowField NwFrag = new("nw_frag", 13, 32, 8);

    /// <summary>IPv6 flow label (20 bits, as in OVS; the word keeps 32 for alignment).</summary>
    public static readonly FlowField Ipv6Label = new("ipv6_label", 13, 0, 20);

    /// <summary>IPv6 neighbor discovery target.</summary>
    public static readonly FlowField NdTarget = new("nd_target", 14, 0, 128);

    /// <summary>ARP sender hardware address (ND source link-layer address too).</summary>
    public static readonly FlowField ArpSha = new("arp_sha", 16, 16, 48);

    /// <summary>TCP flags (the 12 bits OVS matches).</summary>
    public static readonly FlowField TcpFlags = new("tcp_flags", 16, 0, 12);

    /// <summary>ARP target hardware address (ND target link-layer address too).</summary>
    public static readonly FlowField ArpTha = new("arp_tha", 17, 16, 48);

    /// <summary>L4 source port (ICMP type in the low 8 bits).</summary>
    public static readonly FlowField TpSrc = new("tp_src", 18, 48, 16);

    /// <summary>L4 destination port (ICMP code in the low 8 bits).</summary>
    public static readonly FlowField TpDst = new("tp_dst", 18, 32, 16);

    /// <summary>Every field, in layout order.</summary>
    public static readonly IReadOnlyList<FlowField> All =
    [
        RecircId, InPort, Metadata, .. Regs, DlDst, VlanTci, DlSrc, DlType,
        NwSrc, NwDst, Ipv6Src, Ipv6Dst, NwProto, NwTos, NwTtl, NwFrag, Ipv6Label,
        NdTarget, ArpSha, TcpFlags, ArpTha, TpSrc, TpDst,
    ];

    private static readonly FrozenDictionary<string, FlowField> ByName =
        All.ToFrozenDictionary(f => f.Name, StringComparer.Ordinal);

    /// <summary>Finds a field by its canonical OVS name.</summary>
    public static FlowField? Find(string name) => ByName.GetValueOrDefault(name);
}
