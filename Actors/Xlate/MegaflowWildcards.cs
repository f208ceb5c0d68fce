using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Xlate;

/// <summary>
/// The wildcard bookkeeping that translation does around its table lookups (OVS's
/// xlate_wc_init and xlate_wc_finish, ovs-brief §4.1 steps 1 and 4): the bits every megaflow
/// matches before any rule is consulted, and the clean-up that removes what the datapath cannot
/// or need not match.
/// </summary>
public static class MegaflowWildcards
{
    private const byte IpProtoIcmp = 1;
    private const byte IpProtoIcmpv6 = 58;

    /// <summary>
    /// The mask a translation starts from: recirc_id, in_port and dl_type exact (OVS also makes
    /// packet_type exact; VSwarm models Ethernet packets only), and for IPv4 and IPv6 packets the
    /// two fragment bits, so that the megaflow says whether it covers fragments.
    /// </summary>
    public static FlowMask Initial(in FlowKey packet)
    {
        var wc = default(FlowMask);
        wc.Unwildcard(FlowFields.RecircId);
        wc.Unwildcard(FlowFields.InPort);
        wc.Unwildcard(FlowFields.DlType);
        if (IsIp(packet))
        {
            wc.Unwildcard(FlowFields.NwFrag, FlowKey.FragAny | FlowKey.FragLater);
        }

        return wc;
    }

    /// <summary>
    /// The finishing rules, in OVS's order: metadata and registers never reach the datapath;
    /// ICMP type and code are 8-bit in the datapath key, so only their low bytes stay (the high
    /// bits would be lost in the netlink round trip and cause revalidation churn); a VLAN TCI mask
    /// that matches anything also matches the CFI bit; later fragments have no L4 header, so their
    /// port masks go; and VLAN masks go when the packet has no VLAN header (the datapath key says
    /// "untagged" through the Ethertype already).
    /// </summary>
    public static void Finish(ref FlowMask wc, in FlowKey packet)
    {
        wc.Wildcard(FlowFields.Metadata);
        foreach (var reg in FlowFields.Regs)
        {
            wc.Wildcard(reg);
        }

        if (IsIcmp(packet))
        {
            wc.Set(FlowFields.TpSrc, wc.Get(FlowFields.TpSrc) & 0xFF);
            wc.Set(FlowFields.TpDst, wc.Get(FlowFields.TpDst) & 0xFF);
        }

        if (!wc.IsWildcarded(FlowFields.VlanTci))
        {
            wc.Unwildcard(FlowFields.VlanTci, FlowKey.VlanCfi);
        }

        if (IsIp(packet) && (packet.NwFrag & FlowKey.FragLater) != 0)
        {
            wc.Wildcard(FlowFields.TpSrc);
            wc.Wildcard(FlowFields.TpDst);
        }

        if ((packet.VlanTci & FlowKey.VlanCfi) == 0)
        {
            wc.Wildcard(FlowFields.VlanTci);
        }
    }

    private static bool IsIp(in FlowKey packet) => EtherType.IsIp(packet.DlType);

    private static bool IsIcmp(in FlowKey packet) =>
        (packet.DlType == EtherType.Ipv4 && packet.NwProto == IpProtoIcmp)
        || (packet.DlType == EtherType.Ipv6 && packet.NwProto == IpProtoIcmpv6);
}
