using VSwarm.Messages.Datapath;
using VSwarm.Messages.Flow;

namespace VSwarm.Messages.Odp;

/// <summary>How a sub-field value and mask are written.</summary>
internal enum SubKind
{
    /// <summary>Decimal value, hex mask.</summary>
    Dec,

    /// <summary>C %#x value and mask.</summary>
    Hex,

    /// <summary>Ethernet address value and mask.</summary>
    Mac,

    /// <summary>Dotted-quad value and mask.</summary>
    Ip4,

    /// <summary>IPv6 text value and mask.</summary>
    Ip6,

    /// <summary>no | first | later.</summary>
    Frag,
}

/// <summary>One sub-field of a structured key attribute, e.g. ipv4's dst.</summary>
internal sealed record Sub(string Name, FlowField Field, UInt128 Exact, SubKind Kind);

/// <summary>The ODP names and sub-fields of the key attributes VSwarm models.</summary>
internal static class OdpFields
{
    public static readonly Dictionary<OvsKeyAttr, (string Name, Sub[] Subs)> Structs = new()
    {
        [OvsKeyAttr.Ethernet] = ("eth", [S("src", FlowFields.DlSrc, SubKind.Mac), S("dst", FlowFields.DlDst, SubKind.Mac)]),
        [OvsKeyAttr.Ipv4] = ("ipv4",
        [
            S("src", FlowFields.NwSrc, SubKind.Ip4), S("dst", FlowFields.NwDst, SubKind.Ip4), S("proto", FlowFields.NwProto, SubKind.Dec),
            S("tos", FlowFields.NwTos, SubKind.Hex), S("ttl", FlowFields.NwTtl, SubKind.Dec), new("frag", FlowFields.NwFrag, KeyAttrs.FragMask, SubKind.Frag),
        ]),
        [OvsKeyAttr.Ipv6] = ("ipv6",
        [
            S("src", FlowFields.Ipv6Src, SubKind.Ip6), S("dst", FlowFields.Ipv6Dst, SubKind.Ip6),
            new("label", FlowFields.Ipv6Label, KeyAttrs.Ipv6LabelMask, SubKind.Hex), S("proto", FlowFields.NwProto, SubKind.Dec),
            S("tclass", FlowFields.NwTos, SubKind.Hex), S("hlimit", FlowFields.NwTtl, SubKind.Dec), new("frag", FlowFields.NwFrag, KeyAttrs.FragMask, SubKind.Frag),
        ]),
        [OvsKeyAttr.Tcp] = ("tcp", Ports()),
        [OvsKeyAttr.Udp] = ("udp", Ports()),
        [OvsKeyAttr.Sctp] = ("sctp", Ports()),
        [OvsKeyAttr.Icmp] = ("icmp", Icmp()),
        [OvsKeyAttr.Icmpv6] = ("icmpv6", Icmp()),
        [OvsKeyAttr.Arp] = ("arp",
        [
            S("sip", FlowFields.NwSrc, SubKind.Ip4), S("tip", FlowFields.NwDst, SubKind.Ip4), S("op", FlowFields.NwProto, SubKind.Dec),
            S("sha", FlowFields.ArpSha, SubKind.Mac), S("tha", FlowFields.ArpTha, SubKind.Mac),
        ]),
        [OvsKeyAttr.Nd] = ("nd", [S("target", FlowFields.NdTarget, SubKind.Ip6), S("sll", FlowFields.ArpSha, SubKind.Mac), S("tll", FlowFields.ArpTha, SubKind.Mac)]),
    };

    public static readonly Dictionary<string, OvsKeyAttr> ByName =
        Structs.ToDictionary(kv => kv.Value.Name, kv => kv.Key, StringComparer.Ordinal);

    /// <summary>TCP flag names by bit, lowest first (bits 9..11 have no name).</summary>
    public static readonly string[] TcpFlagNames = ["fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns", "0x200", "0x400", "0x800"];

    /// <summary>Attributes VSwarm does not model but accepts in text with a zero mask (verbose dumps).</summary>
    public static readonly HashSet<string> Unmodelled =
        new(["dp_hash", "skb_priority", "skb_mark", "ct_state", "ct_zone", "ct_mark", "ct_label", "packet_type", "tunnel", "ct_tuple4", "ct_tuple6"], StringComparer.Ordinal);

    private static Sub S(string name, FlowField f, SubKind k) => new(name, f, f.AllOnes, k);

    private static Sub[] Ports() => [S("src", FlowFields.TpSrc, SubKind.Dec), S("dst", FlowFields.TpDst, SubKind.Dec)];

    private static Sub[] Icmp() => [new("type", FlowFields.TpSrc, 0xff, SubKind.Dec), new("code", FlowFields.TpDst, 0xff, SubKind.Dec)];
}
