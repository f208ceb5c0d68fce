using System.Globalization;
using System.Text;
using VSwarm.Messages.Flow;
using VSwarm.Messages.OpenFlow;

namespace VSwarm.Messages.Ofctl;

/// <summary>
/// OVS's match_format (lib/match.c) over the fields VSwarm models: the one renderer behind both
/// flow dumps and the trace's Megaflow line.
/// </summary>
internal static class MatchText
{
    public static void Append(StringBuilder sb, in Match match, int priority, bool megaflow)
    {
        var start = sb.Length;
        var f = match.Key;
        var w = match.Mask;
        if (priority != OpenFlowRule.DefaultPriority)
        {
            sb.Append(CultureInfo.InvariantCulture, $"priority={priority},");
        }

        var recircMask = (uint)w.Get(FlowFields.RecircId);
        if (recircMask != 0)
        {
            Uint32Masked(sb, "recirc_id", f.RecircId, recircMask);
        }

        // The trace's megaflow always has packet_type matched (Ethernet); an OpenFlow match gets
        // one when it is a megaflow-style match (recirc_id) with some Ethernet-level field.
        if (megaflow || (recircMask != 0 && HasL2OrAbove(w)))
        {
            sb.Append("eth,");
        }

        var dlTypeMasked = w.Get(FlowFields.DlType) != 0;
        var protoMasked = w.Get(FlowFields.NwProto) != 0;
        var dl = dlTypeMasked ? f.DlType : (ushort)0;
        bool skipType = false, skipProto = false;
        if (dlTypeMasked)
        {
            skipType = true;
            string? sh;
            if (dl == EtherType.Ipv4)
            {
                sh = protoMasked ? f.NwProto switch { 1 => "icmp", 2 => "igmp", 6 => "tcp", 17 => "udp", 132 => "sctp", _ => null } : "ip";
                skipProto = sh is not null && protoMasked;
                sh ??= "ip";
            }
            else if (dl == EtherType.Ipv6)
            {
                sh = protoMasked ? f.NwProto switch { 58 => "icmp6", 6 => "tcp6", 17 => "udp6", 132 => "sctp6", _ => null } : "ipv6";
                skipProto = sh is not null && protoMasked;
                sh ??= "ipv6";
            }
            else
            {
                sh = dl switch { EtherType.Arp => "arp", EtherType.Rarp => "rarp", 0x8847 => "mpls", 0x8848 => "mplsm", _ => null };
                skipType = sh is not null;
            }

            if (sh is not null)
            {
                sb.Append(sh).Append(',');
            }
        }

        for (var i = 0; i < 8; i++)
        {
            Uint32Masked(sb, $"reg{i}", f.GetReg(i), (uint)w.Get(FlowFields.Regs[i]));
        }

        var md = (ulong)w.Get(FlowFields.Metadata);
        if (md != 0)
        {
            sb.Append("metadata=").Append(OfctlValues.HashHex(f.Metadata));
            if (md != ulong.MaxValue)
            {
                sb.Append('/').Append(OfctlValues.HashHex(md));
            }

            sb.Append(',');
        }

        if (w.Get(FlowFields.InPort) != 0)
        {
            sb.Append("in_port=").Append(OfPorts.Format(f.InPort)).Append(',');
        }

        AppendVlan(sb, f.VlanTci, (ushort)w.Get(FlowFields.VlanTci));
        EthMasked(sb, "dl_src", f.DlSrc, (ulong)w.Get(FlowFields.DlSrc));
        EthMasked(sb, "dl_dst", f.DlDst, (ulong)w.Get(FlowFields.DlDst));
        if (!skipType && dlTypeMasked)
        {
            sb.Append(CultureInfo.InvariantCulture, $"dl_type=0x{f.DlType:x4},");
        }

        var isArp = dl is EtherType.Arp or EtherType.Rarp;
        if (dl == EtherType.Ipv6)
        {
            Ipv6Masked(sb, "ipv6_src", f.Ipv6Src, w.Get(FlowFields.Ipv6Src));
            Ipv6Masked(sb, "ipv6_dst", f.Ipv6Dst, w.Get(FlowFields.Ipv6Dst));
            var lm = (uint)w.Get(FlowFields.Ipv6Label) & 0xfffff;
            if (lm != 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $"ipv6_label=0x{f.Ipv6Label & 0xfffff:x5}");
                if (lm != 0xfffff)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"/0x{lm:x5}");
                }

                sb.Append(',');
            }
        }
        else if (isArp)
        {
            Ipv4Masked(sb, "arp_spa", f.NwSrc, (uint)w.Get(FlowFields.NwSrc));
            Ipv4Masked(sb, "arp_tpa", f.NwDst, (uint)w.Get(FlowFields.NwDst));
        }
        else
        {
            Ipv4Masked(sb, "nw_src", f.NwSrc, (uint)w.Get(FlowFields.NwSrc));
            Ipv4Masked(sb, "nw_dst", f.NwDst, (uint)w.Get(FlowFields.NwDst));
        }

        if (!skipProto && protoMasked)
        {
            sb.Append(isArp ? "arp_op=" : "nw_proto=").Append(f.NwProto).Append(',');
        }

        if (isArp)
        {
            EthMasked(sb, "arp_sha", f.ArpSha, (ulong)w.Get(FlowFields.ArpSha));
            EthMasked(sb, "arp_tha", f.ArpTha, (ulong)w.Get(FlowFields.ArpTha));
        }

        var tosMask = (int)w.Get(FlowFields.NwTos);
        if ((tosMask & 0xfc) != 0)
        {
            sb.Append("nw_tos=").Append(f.NwTos & 0xfc).Append(',');
        }

        if ((tosMask & 0x03) != 0)
        {
            sb.Append("nw_ecn=").Append(f.NwTos & 0x03).Append(',');
        }

        if (w.Get(FlowFields.NwTtl) != 0)
        {
            sb.Append("nw_ttl=").Append(f.NwTtl).Append(',');
        }

        var anyFrag = (f.NwFrag & FlowKey.FragAny) != 0;
        var later = (f.NwFrag & FlowKey.FragLater) != 0;
        switch ((int)w.Get(FlowFields.NwFrag) & 3)
        {
            case 3:
                sb.Append("nw_frag=").Append(anyFrag ? (later ? "later" : "first") : (later ? "<error>" : "no")).Append(',');
                break;
            case 1:
                sb.Append("nw_frag=").Append(anyFrag ? "yes" : "no").Append(',');
                break;
            case 2:
                sb.Append("nw_frag=").Append(later ? "later" : "not_later").Append(',');
                break;
        }

        var tpSrcMask = (ushort)w.Get(FlowFields.TpSrc);
        var tpDstMask = (ushort)w.Get(FlowFields.TpDst);
        if (dl == EtherType.Ipv4 && f.NwProto == 1)
        {
            Be16Masked(sb, "icmp_type", f.TpSrc, tpSrcMask);
            Be16Masked(sb, "icmp_code", f.TpDst, tpDstMask);
        }
        else if (dl == EtherType.Ipv4 && f.NwProto == 2)
        {
            Be16Masked(sb, "igmp_type", f.TpSrc, tpSrcMask);
            Be16Masked(sb, "igmp_code", f.TpDst, tpDstMask);
        }
        else if (dl == EtherType.Ipv6 && f.NwProto == 58)
        {
            Be16Masked(sb, "icmp_type", f.TpSrc, tpSrcMask);
            Be16Masked(sb, "icmp_code", f.TpDst, tpDstMask);
            Ipv6Masked(sb, "nd_target", f.NdTarget, w.Get(FlowFields.NdTarget));
            EthMasked(sb, "nd_sll", f.ArpSha, (ulong)w.Get(FlowFields.ArpSha));
            EthMasked(sb, "nd_tll", f.ArpTha, (ulong)w.Get(FlowFields.ArpTha));
        }
        else
        {
            Be16Masked(sb, "tp_src", f.TpSrc, tpSrcMask);
            Be16Masked(sb, "tp_dst", f.TpDst, tpDstMask);
        }

        var flagsMask = (uint)w.Get(FlowFields.TcpFlags) & 0x0fff;
        if (EtherType.IsIp(dl) && f.NwProto == 6 && flagsMask != 0)
        {
            sb.Append("tcp_flags=");
            AppendTcpFlags(sb, f.TcpFlags & 0x0fffu, flagsMask);
            sb.Append(',');
        }

        if (sb.Length > start && sb[^1] == ',')
        {
            sb.Length--;
        }
    }

    /// <summary>OVS's format_flags_masked for TCP flags (lowest bit first).</summary>
    public static void AppendTcpFlags(StringBuilder sb, uint flags, uint mask)
    {
        if (mask == 0x0fff)
        {
            if (flags == 0)
            {
                sb.Append('0');
                return;
            }

            var first = true;
            for (var b = 0; b < 12; b++)
            {
                if ((flags & (1u << b)) != 0)
                {
                    sb.Append(first ? "" : "|").Append(OfctlLineParser.TcpFlagName(b));
                    first = false;
                }
            }

            return;
        }

        for (var b = 0; b < 12; b++)
        {
            if ((mask & (1u << b)) != 0)
            {
                sb.Append((flags & (1u << b)) != 0 ? '+' : '-').Append(OfctlLineParser.TcpFlagName(b));
            }
        }
    }

    private static bool HasL2OrAbove(in FlowMask w)
    {
        var words = w.ReadOnlyWords;
        for (var i = FlowLayout.StageStarts[1]; i < FlowLayout.Words; i++)
        {
            if (words[i] != 0)
            {
                return true;
            }
        }

        return false;
    }

    private static void AppendVlan(StringBuilder sb, ushort tci, ushort mask)
    {
        if (mask == 0)
        {
            return;
        }

        var vidMask = mask & 0x0fff;
        var pcpMask = mask & 0xe000;
        var cfi = (mask & FlowKey.VlanCfi) != 0;
        if (cfi && (tci & FlowKey.VlanCfi) != 0
            && (vidMask == 0 || vidMask == 0x0fff)
            && (pcpMask == 0 || pcpMask == 0xe000)
            && (vidMask != 0 || pcpMask != 0))
        {
            if (vidMask != 0)
            {
                sb.Append("dl_vlan=").Append(tci & 0x0fff).Append(',');
            }

            if (pcpMask != 0)
            {
                sb.Append("dl_vlan_pcp=").Append(tci >> 13).Append(',');
            }
        }
        else if (mask == 0xffff)
        {
            sb.Append(CultureInfo.InvariantCulture, $"vlan_tci=0x{tci:x4},");
        }
        else
        {
            sb.Append(CultureInfo.InvariantCulture, $"vlan_tci=0x{tci:x4}/0x{mask:x4},");
        }
    }

    private static void Uint32Masked(StringBuilder sb, string name, uint value, uint mask)
    {
        if (mask == 0)
        {
            return;
        }

        sb.Append(name).Append('=').Append(OfctlValues.HashHex(value));
        if (mask != uint.MaxValue)
        {
            sb.Append('/').Append(OfctlValues.HashHex(mask));
        }

        sb.Append(',');
    }

    private static void Be16Masked(StringBuilder sb, string name, ushort value, ushort mask)
    {
        if (mask == 0)
        {
            return;
        }

        sb.Append(name).Append('=');
        if (mask == 0xffff)
        {
            sb.Append(value);
        }
        else
        {
            sb.Append(CultureInfo.InvariantCulture, $"0x{value:x}/0x{mask:x}");
        }

        sb.Append(',');
    }

    private static void EthMasked(StringBuilder sb, string name, ulong value, ulong mask)
    {
        if (mask == 0)
        {
            return;
        }

        sb.Append(name).Append('=').Append(OfctlValues.FormatMac(value));
        if (mask != 0xffff_ffff_ffff)
        {
            sb.Append('/').Append(OfctlValues.FormatMac(mask));
        }

        sb.Append(',');
    }

    /// <summary>OVS's ip_format_masked: address, then /len for a CIDR mask or /dotted otherwise.</summary>
    public static string Ipv4Text(uint value, uint mask)
    {
        var s = OfctlValues.FormatIpv4(value);
        if (mask == uint.MaxValue)
        {
            return s;
        }

        var plen = FlowFields.NwSrc.PrefixLength(mask);
        return plen >= 0 ? $"{s}/{plen}" : $"{s}/{OfctlValues.FormatIpv4(mask)}";
    }

    /// <summary>OVS's ipv6_format_masked.</summary>
    public static string Ipv6Text(UInt128 value, UInt128 mask)
    {
        var s = OfctlValues.FormatIpv6(value);
        if (mask == UInt128.MaxValue)
        {
            return s;
        }

        var plen = FlowFields.Ipv6Src.PrefixLength(mask);
        return plen >= 0 ? $"{s}/{plen}" : $"{s}/{OfctlValues.FormatIpv6(mask)}";
    }

    private static void Ipv4Masked(StringBuilder sb, string name, uint value, uint mask)
    {
        if (mask != 0)
        {
            sb.Append(name).Append('=').Append(Ipv4Text(value, mask)).Append(',');
        }
    }

    private static void Ipv6Masked(StringBuilder sb, string name, UInt128 value, UInt128 mask)
    {
        if (mask != 0)
        {
            sb.Append(name).Append('=').Append(Ipv6Text(value, mask)).Append(',');
        }
    }
}
