namespace VSwarm.Messages.Flow;

/// <summary>
/// The word layout of <see cref="FlowKey"/> and <see cref="FlowMask"/>: fixed 64-bit words grouped
/// in OVS's four lookup stages (metadata, L2, L3, L4), so that masked comparison and hashing are
/// loops over words and a classifier can hash one stage at a time (OVS's staged lookup,
/// lib/classifier.c; OVS's struct flow has its boundaries at u64 67, 72 and 83).
/// </summary>
/// <remarks>
/// VSwarm keeps only the fields it models, so its words are far fewer than OVS's 92, but every
/// field sits in the same stage as in OVS. Values are stored as host-order integers whose most
/// significant bit is the first bit on the wire (10.1.2.3 is 0x0A010203), so a CIDR prefix is
/// always the high bits of a field.
/// <code>
/// word  stage     bits 63..0
///  0    metadata  recirc_id(32) | in_port(32)
///  1    metadata  metadata(64)
///  2-5  metadata  reg0|reg1, reg2|reg3, reg4|reg5, reg6|reg7
///  6    L2        dl_dst(48) | vlan_tci(16)
///  7    L2        dl_src(48) | dl_type(16)
///  8    L3        nw_src(32) | nw_dst(32)            (arp_spa, arp_tpa alias these)
///  9-10 L3        ipv6_src(128)
/// 11-12 L3        ipv6_dst(128)
/// 13    L3        nw_proto(8) nw_tos(8) nw_ttl(8) nw_frag(8) | ipv6_label(20 of 32)
/// 14-15 L4        nd_target(128)
/// 16    L4        arp_sha(48) | tcp_flags(12 of 16)  (nd_sll aliases arp_sha)
/// 17    L4        arp_tha(48) | 0                    (nd_tll aliases arp_tha)
/// 18    L4        tp_src(16) tp_dst(16) | 0          (the "ports word" of the ports trie)
/// 19    L4        padding, always zero (makes the total a multiple of four words)
/// </code>
/// </remarks>
public static class FlowLayout
{
    /// <summary>Number of 64-bit words in a flow key or mask.</summary>
    public const int Words = 20;

    /// <summary>First word of each stage, then the end: metadata [0,6), L2 [6,8), L3 [8,14), L4 [14,20).</summary>
    public static ReadOnlySpan<int> StageStarts => [0, 6, 8, 14, 20];

    /// <summary>Number of stages (metadata, L2, L3, L4).</summary>
    public const int StageCount = 4;

    /// <summary>The word that holds tp_src (bits 63..48) and tp_dst (bits 47..32).</summary>
    public const int PortsWord = 18;

    /// <summary>The stage a word belongs to.</summary>
    public static FlowStage StageOf(int word) => word switch
    {
        < 6 => FlowStage.Metadata,
        < 8 => FlowStage.L2,
        < 14 => FlowStage.L3,
        _ => FlowStage.L4,
    };
}

/// <summary>OVS's lookup stages, in lookup order.</summary>
public enum FlowStage
{
    /// <summary>recirc_id, in_port, metadata, registers.</summary>
    Metadata = 0,

    /// <summary>Ethernet addresses, VLAN, Ethertype.</summary>
    L2 = 1,

    /// <summary>IPv4/IPv6/ARP addresses, protocol, TOS, TTL, fragments.</summary>
    L3 = 2,

    /// <summary>Ports (ICMP type/code), TCP flags, ND target, ARP hardware addresses.</summary>
    L4 = 3,
}
