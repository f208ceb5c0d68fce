using System.Globalization;
using System.Net;
using System.Text;
using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Xlate;

/// <summary>
/// The flow text of ofproto/trace's <c>Flow:</c> and <c>Final flow:</c> lines (OVS's flow_format
/// of a whole packet), for the fields VSwarm models, e.g.
/// <c>tcp,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=1.1.1.1,nw_dst=10.1.2.3,nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,tp_src=1,tp_dst=80,tcp_flags=0</c>.
/// </summary>
public static class FlowLineFormatter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly string[] TcpFlagNames = ["fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns"];

    /// <summary>Formats a flow; <paramref name="innerTci"/> is the TCI of a second VLAN header (0 = none).</summary>
    public static string Format(in FlowKey f, ushort innerTci = 0)
    {
        var sb = new StringBuilder(192);
        var proto = f.NwProto;
        var isV4 = f.DlType == EtherType.Ipv4;
        var isV6 = f.DlType == EtherType.Ipv6;
        var isArp = f.DlType is 0x0806 or 0x8035;
        string? shorthand = isV4 ? proto switch { 1 => "icmp", 2 => "igmp", 6 => "tcp", 17 => "udp", 132 => "sctp", _ => "ip" }
            : isV6 ? proto switch { 58 => "icmp6", 6 => "tcp6", 17 => "udp6", 132 => "sctp6", _ => "ipv6" }
            : f.DlType == 0x0806 ? "arp" : f.DlType == 0x8035 ? "rarp" : null;
        if (f.RecircId != 0)
        {
            sb.Append("recirc_id=").Append(Hex(f.RecircId)).Append(',');
        }

        if (shorthand is not null)
        {
            sb.Append(shorthand).Append(',');
        }

        for (var i = 0; i < 8; i++)
        {
            var r = f.GetReg(i);
            if (r != 0)
            {
                sb.Append("reg").Append(i.ToString(Inv)).Append('=').Append(Hex(r)).Append(',');
            }
        }

        if (f.Metadata != 0)
        {
            sb.Append("metadata=").Append(Hex(f.Metadata)).Append(',');
        }

        sb.Append("in_port=").Append(Messages.OpenFlow.OfPorts.Format(f.InPort)).Append(',');
        if ((f.VlanTci & FlowKey.VlanCfi) != 0)
        {
            sb.Append("dl_vlan=").Append((f.VlanTci & 0xfff).ToString(Inv)).Append(",dl_vlan_pcp=").Append((f.VlanTci >> 13).ToString(Inv));
            if ((innerTci & FlowKey.VlanCfi) != 0)
            {
                sb.Append(",dl_vlan1=").Append((innerTci & 0xfff).ToString(Inv)).Append(",dl_vlan_pcp1=").Append((innerTci >> 13).ToString(Inv)).Append(',');
            }
            else
            {
                sb.Append(",vlan_tci1=0x").Append(innerTci.ToString("x4", Inv)).Append(',');
            }
        }
        else
        {
            sb.Append("vlan_tci=0x").Append(f.VlanTci.ToString("x4", Inv)).Append(',');
        }

        sb.Append("dl_src=").Append(Mac(f.DlSrc)).Append(",dl_dst=").Append(Mac(f.DlDst));
        if (shorthand is null)
        {
            sb.Append(",dl_type=0x").Append(f.DlType.ToString("x4", Inv));
            return sb.ToString();
        }

        if (isArp)
        {
            sb.Append(",arp_spa=").Append(Ip4(f.NwSrc)).Append(",arp_tpa=").Append(Ip4(f.NwDst))
                .Append(",arp_op=").Append(proto.ToString(Inv))
                .Append(",arp_sha=").Append(Mac(f.ArpSha)).Append(",arp_tha=").Append(Mac(f.ArpTha));
            return sb.ToString();
        }

        if (isV4)
        {
            sb.Append(",nw_src=").Append(Ip4(f.NwSrc)).Append(",nw_dst=").Append(Ip4(f.NwDst));
        }
        else
        {
            sb.Append(",ipv6_src=").Append(Ip6(f.Ipv6Src)).Append(",ipv6_dst=").Append(Ip6(f.Ipv6Dst))
                .Append(",ipv6_label=0x").Append(f.Ipv6Label.ToString("x5", Inv));
        }

        if (shorthand is "ip" or "ipv6")
        {
            sb.Append(",nw_proto=").Append(proto.ToString(Inv));
        }

        sb.Append(",nw_tos=").Append((f.NwTos & 0xfc).ToString(Inv)).Append(",nw_ecn=").Append((f.NwTos & 3).ToString(Inv))
            .Append(",nw_ttl=").Append(f.NwTtl.ToString(Inv))
            .Append(",nw_frag=").Append((f.NwFrag & 3) switch { 0 => "no", 1 => "first", _ => "later" });
        switch (shorthand)
        {
            case "icmp" or "icmp6":
                sb.Append(",icmp_type=").Append((f.TpSrc & 0xff).ToString(Inv)).Append(",icmp_code=").Append((f.TpDst & 0xff).ToString(Inv));
                if (shorthand == "icmp6" && (f.TpSrc & 0xff) is 135 or 136)
                {
                    sb.Append(",nd_target=").Append(Ip6(f.NdTarget)).Append(",nd_sll=").Append(Mac(f.ArpSha)).Append(",nd_tll=").Append(Mac(f.ArpTha));
                }

                break;
            case "tcp" or "tcp6" or "udp" or "udp6" or "sctp" or "sctp6":
                sb.Append(",tp_src=").Append(f.TpSrc.ToString(Inv)).Append(",tp_dst=").Append(f.TpDst.ToString(Inv));
                if (shorthand is "tcp" or "tcp6")
                {
                    sb.Append(",tcp_flags=").Append(TcpFlags(f.TcpFlags));
                }

                break;
        }

        return sb.ToString();
    }

    private static string TcpFlags(ushort flags)
    {
        if (flags == 0)
        {
            return "0";
        }

        var parts = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            if ((flags & (1 << i)) != 0)
            {
                parts.Add(i < TcpFlagNames.Length ? TcpFlagNames[i] : "0x" + (1 << i).ToString("x", Inv));
            }
        }

        return string.Join('|', parts);
    }

    private static string Hex(ulong v) => "0x" + v.ToString("x", Inv);

    private static string Mac(ulong m)
    {
        var sb = new StringBuilder(17);
        for (var i = 5; i >= 0; i--)
        {
            sb.Append(((byte)(m >> (8 * i))).ToString("x2", Inv));
            if (i > 0)
            {
                sb.Append(':');
            }
        }

        return sb.ToString();
    }

    private static string Ip4(uint a) => string.Create(Inv, $"{a >> 24}.{(a >> 16) & 0xff}.{(a >> 8) & 0xff}.{a & 0xff}");

    private static string Ip6(UInt128 a)
    {
        Span<byte> b = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(b, a);
        return new IPAddress(b).ToString();
    }
}
