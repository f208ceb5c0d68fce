using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;
using VSwarm.Messages.Cookies;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Netlink;

namespace VSwarm.Messages.Odp;

/// <summary>
/// Formats datapath keys/masks, actions and whole flows in the ODP syntax of
/// <c>ovs-dpctl dump-flows</c> (kernel style, non-verbose): the masked key, attributes with an
/// all-zero mask omitted (except <c>eth()</c>), sub-fields with a zero mask omitted, exact
/// sub-fields as values, partial ones as <c>value/mask</c>.
/// </summary>
/// <remarks>
/// With <c>lossless: true</c> the formatter adds VSwarm extensions that OVS's text cannot carry,
/// so that parsing gives back the same model: <c>probability=N</c> in <c>sample(…)</c>,
/// <c>drop(N)</c> for explicit drops, and in cookies the <c>in_port</c>, <c>ofproto</c> UUID and the
/// sFlow TCI's <c>cfi</c> bit. sFlow <c>rule_cookie</c>/<c>flags</c> (VSwarm's per-flow sampler
/// extension) are printed whenever non-zero.
/// </remarks>
public static class OdpFormatter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // ------------------------------------------------------------------ keys

    /// <summary>The key/mask text of a match, e.g. <c>recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4(…)</c>.</summary>
    public static string FormatMatch(in Match match)
    {
        var w = new NetlinkWriter(512);
        OdpKeyCodec.EncodeKey(w, match);
        var keyLen = w.Length;
        OdpKeyCodec.EncodeMask(w, match);
        var all = w.WrittenSpan;
        return FormatKey(all[..keyLen], all[keyLen..], true);
    }

    /// <summary>Formats key (and mask) attribute streams as text.</summary>
    public static string FormatKey(ReadOnlySpan<byte> key, ReadOnlySpan<byte> mask, bool hasMask)
    {
        var sb = new StringBuilder(128);
        FormatLevel(sb, new NetlinkReader(key, 0, OvsSpaces.Key), mask, hasMask);
        return sb.ToString();
    }

    private static bool FindMask(ReadOnlySpan<byte> mask, int type, out ReadOnlySpan<byte> payload, out NetlinkAttribute found)
    {
        var r = new NetlinkReader(mask, 0, OvsSpaces.Key);
        while (r.TryRead(out var a))
        {
            if (a.Type == type)
            {
                payload = a.Payload;
                found = a;
                return true;
            }
        }

        payload = default;
        found = default;
        return false;
    }

    private static void FormatLevel(StringBuilder sb, NetlinkReader r, ReadOnlySpan<byte> mask, bool hasMask)
    {
        var sawEthType = false;
        while (r.TryRead(out var a))
        {
            var attr = (OvsKeyAttr)a.Type;
            var hasM = FindMask(mask, a.Type, out var mp, out var ma);
            if (attr == OvsKeyAttr.Encap)
            {
                Sep(sb).Append("encap(");
                FormatLevel(sb, a.Nested(OvsSpaces.Key), hasM ? mp : default, hasMask);
                sb.Append(')');
                continue;
            }

            if (!KeyAttrs.IsModelled(attr))
            {
                continue;
            }

            var kv = default(FlowKey);
            KeyAttrs.Read(a, kv.Words, false);
            var mv = default(FlowMask);
            if (!hasMask)
            {
                mv = KeyAttrs.FieldsOf(attr);
            }
            else if (hasM)
            {
                KeyAttrs.Read(ma, mv.Words, true);
            }

            var fields = KeyAttrs.FieldsOf(attr);
            var mk = (mv & fields).AsKey();
            if ((mv & fields).IsEmpty && attr != OvsKeyAttr.Ethernet)
            {
                sawEthType |= attr == OvsKeyAttr.Ethertype;
                continue;
            }

            sawEthType |= attr == OvsKeyAttr.Ethertype;
            Sep(sb);
            FormatAttr(sb, attr, kv, mk, false);
        }

        if (hasMask && !sawEthType && FindMask(mask, (int)OvsKeyAttr.Ethertype, out var ep, out _) && ep.Length == 2)
        {
            Sep(sb).Append("eth_type(0/0x").Append(BinaryPrimitives.ReadUInt16BigEndian(ep).ToString("x4", Inv)).Append(')');
        }
    }

    private static StringBuilder Sep(StringBuilder sb) => sb.Length > 0 && sb[^1] != '(' ? sb.Append(',') : sb;

    /// <summary>Formats one modelled attribute from key values and mask bits (mask all-ones over the fields = exact).</summary>
    internal static void FormatAttr(StringBuilder sb, OvsKeyAttr attr, in FlowKey k, in FlowKey m, bool all)
    {
        switch (attr)
        {
            case OvsKeyAttr.RecircId:
                sb.Append("recirc_id(").Append(Hex(k.RecircId));
                if (m.RecircId != uint.MaxValue)
                {
                    sb.Append('/').Append(Hex(m.RecircId));
                }

                sb.Append(')');
                return;
            case OvsKeyAttr.InPort:
                sb.Append("in_port(").Append(k.InPort.ToString(Inv));
                if (m.InPort != uint.MaxValue)
                {
                    sb.Append('/').Append(Hex(m.InPort));
                }

                sb.Append(')');
                return;
            case OvsKeyAttr.Ethertype:
                sb.Append("eth_type(0x").Append(k.DlType.ToString("x4", Inv));
                if (m.DlType != 0xffff)
                {
                    sb.Append("/0x").Append(m.DlType.ToString("x4", Inv));
                }

                sb.Append(')');
                return;
            case OvsKeyAttr.Vlan:
                FormatVlan(sb, k.VlanTci, m.VlanTci);
                return;
            case OvsKeyAttr.TcpFlags:
                sb.Append("tcp_flags(");
                FormatTcpFlags(sb, k.TcpFlags, m.TcpFlags);
                sb.Append(')');
                return;
        }

        var (name, subs) = OdpFields.Structs[attr];
        sb.Append(name).Append('(');
        var first = true;
        foreach (var s in subs)
        {
            var mv = s.Field.Read(m.ReadOnlyWords) & s.Exact;
            if (mv == 0 && !all)
            {
                continue;
            }

            if (!first)
            {
                sb.Append(',');
            }

            first = false;
            sb.Append(s.Name).Append('=');
            var v = s.Field.Read(k.ReadOnlyWords) & s.Exact;
            AppendValue(sb, s.Kind, v, false);
            if (mv != s.Exact)
            {
                sb.Append('/');
                AppendValue(sb, s.Kind, mv, true);
            }
        }

        sb.Append(')');
    }

    private static void AppendValue(StringBuilder sb, SubKind kind, UInt128 v, bool isMask)
    {
        switch (kind)
        {
            case SubKind.Dec:
                sb.Append(isMask ? Hex((ulong)v) : ((ulong)v).ToString(Inv));
                break;
            case SubKind.Hex:
                sb.Append(Hex((ulong)v));
                break;
            case SubKind.Mac:
                AppendMac(sb, (ulong)v);
                break;
            case SubKind.Ip4:
                sb.Append(Ip4((uint)v));
                break;
            case SubKind.Ip6:
                sb.Append(Ip6(v));
                break;
            case SubKind.Frag:
                sb.Append(isMask ? Hex((ulong)v) : (byte)v switch { 0 => "no", FlowKey.FragAny => "first", KeyAttrs.FragMask => "later", _ => Hex((ulong)v) });
                break;
        }
    }

    private static void FormatVlan(StringBuilder sb, ushort tci, ushort mask)
    {
        sb.Append("vlan(");
        var first = true;
        void Item(string s)
        {
            if (!first)
            {
                sb.Append(',');
            }

            first = false;
            sb.Append(s);
        }

        if ((mask & 0xfff) != 0)
        {
            Item("vid=" + (tci & 0xfff).ToString(Inv) + ((mask & 0xfff) != 0xfff ? "/" + Hex((uint)(mask & 0xfff)) : ""));
        }

        if ((mask >> 13) != 0)
        {
            Item("pcp=" + (tci >> 13).ToString(Inv) + ((mask >> 13) != 7 ? "/" + Hex((uint)(mask >> 13)) : ""));
        }

        if ((mask & FlowKey.VlanCfi) != 0 && (tci & FlowKey.VlanCfi) == 0)
        {
            Item("cfi=0");
        }

        sb.Append(')');
    }

    private static void FormatTcpFlags(StringBuilder sb, ushort v, ushort m)
    {
        if (m == KeyAttrs.TcpFlagsMask)
        {
            if (v == 0)
            {
                sb.Append('0');
                return;
            }

            var first = true;
            for (var i = 0; i < 12; i++)
            {
                if ((v & (1 << i)) != 0)
                {
                    sb.Append(first ? "" : "|").Append(OdpFields.TcpFlagNames[i]);
                    first = false;
                }
            }

            return;
        }

        for (var i = 0; i < 12; i++)
        {
            if ((m & (1 << i)) != 0)
            {
                sb.Append((v & (1 << i)) != 0 ? '+' : '-').Append(OdpFields.TcpFlagNames[i]);
            }
        }
    }

    internal static string Hex(ulong v) => v == 0 ? "0" : "0x" + v.ToString("x", Inv);

    internal static void AppendMac(StringBuilder sb, ulong mac)
    {
        for (var i = 5; i >= 0; i--)
        {
            sb.Append(((byte)(mac >> (8 * i))).ToString("x2", Inv));
            if (i > 0)
            {
                sb.Append(':');
            }
        }
    }

    internal static string Ip4(uint a) => string.Create(Inv, $"{a >> 24}.{(a >> 16) & 0xff}.{(a >> 8) & 0xff}.{a & 0xff}");

    internal static string Ip6(UInt128 a)
    {
        Span<byte> b = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(b, a);
        return new IPAddress(b).ToString();
    }

    // ------------------------------------------------------------------ actions

    /// <summary>ODP text of an action list: comma-separated, <c>drop</c> when empty.</summary>
    public static string FormatActions(DpActions actions, bool lossless = false)
    {
        ArgumentNullException.ThrowIfNull(actions);
        var sb = new StringBuilder(64);
        AppendActions(sb, actions, lossless);
        return sb.ToString();
    }

    /// <summary>ODP text of one action.</summary>
    public static string FormatAction(DpAction action, bool lossless = false)
    {
        ArgumentNullException.ThrowIfNull(action);
        var sb = new StringBuilder(32);
        AppendAction(sb, action, lossless);
        return sb.ToString();
    }

    private static void AppendActions(StringBuilder sb, DpActions actions, bool lossless)
    {
        if (actions.IsDrop)
        {
            sb.Append("drop");
            return;
        }

        for (var i = 0; i < actions.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            AppendAction(sb, actions[i], lossless);
        }
    }

    private static void AppendAction(StringBuilder sb, DpAction action, bool lossless)
    {
        switch (action)
        {
            case OutputAction o:
                sb.Append(o.Port.ToString(Inv));
                break;
            case UserspaceAction u:
                AppendUserspace(sb, u, lossless);
                break;
            case SetAction s:
                sb.Append("set(");
                var all = KeyAttrs.FieldsOf(s.Attr).AsKey();
                FormatAttr(sb, s.Attr, s.Value, all, true);
                sb.Append(')');
                break;
            case SetMaskedAction sm:
                sb.Append("set(");
                FormatAttr(sb, sm.Attr, sm.Value, sm.Mask.AsKey(), false);
                sb.Append(')');
                break;
            case PushVlanAction pv:
                sb.Append("push_vlan(");
                if (pv.Tpid != KeyAttrs.EthTypeVlan)
                {
                    sb.Append("tpid=0x").Append(pv.Tpid.ToString("x4", Inv)).Append(',');
                }

                sb.Append("vid=").Append(pv.Vid.ToString(Inv)).Append(",pcp=").Append(pv.Pcp.ToString(Inv));
                if ((pv.Tci & FlowKey.VlanCfi) == 0)
                {
                    sb.Append(",cfi=0");
                }

                sb.Append(')');
                break;
            case PopVlanAction:
                sb.Append("pop_vlan");
                break;
            case SampleAction sa:
                sb.Append("sample(sample=").Append(SamplePercent(sa.Probability)).Append('%');
                if (lossless)
                {
                    sb.Append(",probability=").Append(sa.Probability.ToString(Inv));
                }

                sb.Append(",actions(");
                AppendActions(sb, sa.Actions, lossless);
                sb.Append("))");
                break;
            case CloneAction c:
                sb.Append("clone(");
                AppendActions(sb, c.Actions, lossless);
                sb.Append(')');
                break;
            case RecircAction r:
                sb.Append("recirc(").Append(Hex(r.Id)).Append(')');
                break;
            case HashAction h:
                sb.Append("hash(").Append(h.Algorithm switch { 0 => "l4", 1 => "sym_l4", _ => "alg" + h.Algorithm.ToString(Inv) })
                    .Append('(').Append(h.Basis.ToString(Inv)).Append("))");
                break;
            case TruncAction t:
                sb.Append("trunc(").Append(t.MaxLen.ToString(Inv)).Append(')');
                break;
            case MeterAction me:
                sb.Append("meter(").Append(me.MeterId.ToString(Inv)).Append(')');
                break;
            case CtClearAction:
                sb.Append("ct_clear");
                break;
            case DropAction d:
                sb.Append("drop");
                if (lossless)
                {
                    sb.Append('(').Append(d.Reason.ToString(Inv)).Append(')');
                }

                break;
            default:
                sb.Append(action.Kind.ToString().ToLowerInvariant());
                break;
        }
    }

    /// <summary>The percentage OVS prints for a sample probability: 100·p/0xFFFFFFFF with one decimal.</summary>
    public static string SamplePercent(uint probability) =>
        (100.0 * probability / uint.MaxValue).ToString("F1", Inv);

    private static void AppendUserspace(StringBuilder sb, UserspaceAction u, bool lossless)
    {
        sb.Append("userspace(pid=").Append(u.Pid.ToString(Inv));
        if (u.Userdata is { } ud)
        {
            sb.Append(',');
            if (UserActionCookie.TryDecode(ud.Span, out var c) && ud.Span.SequenceEqual(c.ToBytes()))
            {
                AppendCookie(sb, c, lossless);
            }
            else
            {
                sb.Append("userdata(").Append(ud.ToHex()).Append(')');
            }
        }

        if (u.IncludeActions)
        {
            sb.Append(",actions");
        }

        if (u.EgressTunPort is { } p)
        {
            sb.Append(",tunnel_out_port=").Append(p.ToString(Inv));
        }

        sb.Append(')');
    }

    private static void AppendCookie(StringBuilder sb, UserActionCookie c, bool lossless)
    {
        switch (c)
        {
            case SflowCookie s:
                sb.Append("sFlow(vid=").Append(s.Vid.ToString(Inv)).Append(",pcp=").Append(s.Pcp.ToString(Inv))
                    .Append(",output=").Append(s.Output.ToString(Inv));
                if (lossless && (s.VlanTci & FlowKey.VlanCfi) != 0)
                {
                    sb.Append(",cfi=1");
                }

                if (s.RuleCookie != 0)
                {
                    sb.Append(",rule_cookie=").Append(Hex(s.RuleCookie));
                }

                if (s.Flags != 0)
                {
                    sb.Append(",flags=").Append(Hex((uint)s.Flags));
                }

                if (s.SamplingRate != 0)
                {
                    sb.Append(",rate=").Append(s.SamplingRate.ToString(Inv));
                }

                break;
            case SlowPathCookie sp:
                sb.Append("slow_path(");
                var first = true;
                for (var i = 0; i < 32; i++)
                {
                    var bit = 1u << i;
                    if (((uint)sp.Reasons & bit) != 0)
                    {
                        sb.Append(first ? "" : ",").Append(SlowPathName(bit));
                        first = false;
                    }
                }

                break;
            case FlowSampleCookie f:
                sb.Append("flow_sample(probability=").Append(f.Probability.ToString(Inv))
                    .Append(",collector_set_id=").Append(f.CollectorSetId.ToString(Inv))
                    .Append(",obs_domain_id=").Append(f.ObsDomainId.ToString(Inv))
                    .Append(",obs_point_id=").Append(f.ObsPointId.ToString(Inv))
                    .Append(",output_port=").Append(f.OutputOdpPort.ToString(Inv));
                if (f.Direction == FlowSampleDirection.Ingress)
                {
                    sb.Append(",ingress");
                }
                else if (f.Direction == FlowSampleDirection.Egress)
                {
                    sb.Append(",egress");
                }
                else if (f.Direction != FlowSampleDirection.Default)
                {
                    sb.Append(",direction=").Append(((uint)f.Direction).ToString(Inv));
                }

                break;
            case IpfixCookie ip:
                sb.Append("ipfix(output_port=").Append(ip.OutputOdpPort.ToString(Inv));
                break;
            case ControllerCookie cc:
                sb.Append("controller(reason=").Append(cc.Reason.ToString(Inv))
                    .Append(",dont_send=").Append(cc.DontSend ? '1' : '0')
                    .Append(",continuation=").Append(cc.Continuation ? '1' : '0')
                    .Append(",recirc_id=").Append(cc.RecircId.ToString(Inv))
                    .Append(",rule_cookie=").Append(Hex(cc.RuleCookie))
                    .Append(",controller_id=").Append(cc.ControllerId.ToString(Inv))
                    .Append(",max_len=").Append(cc.MaxLen.ToString(Inv));
                break;
        }

        if (lossless)
        {
            if (c.OfpInPort != 0)
            {
                sb.Append(",in_port=").Append(c.OfpInPort.ToString(Inv));
            }

            if (c.Ofproto != Guid.Empty)
            {
                sb.Append(",ofproto=").Append(c.Ofproto.ToString("D", Inv));
            }
        }

        sb.Append(')');
    }

    internal static string SlowPathName(uint bit) => (SlowPathReasons)bit switch
    {
        SlowPathReasons.Cfm => "cfm",
        SlowPathReasons.Bfd => "bfd",
        SlowPathReasons.Lacp => "lacp",
        SlowPathReasons.Stp => "stp",
        SlowPathReasons.Lldp => "lldp",
        SlowPathReasons.Action => "action",
        SlowPathReasons.Match => "match",
        _ => Hex(bit),
    };

    // ------------------------------------------------------------------ dump lines

    /// <summary>
    /// One dump-flows line: <c>[ufid:…, ]&lt;key&gt;, packets:N, bytes:N, used:X.XXXs|never[, flags:…], actions:…</c>,
    /// with <c>used</c> relative to <paramref name="nowMs"/> (same clock as <see cref="FlowStats.UsedMs"/>).
    /// The UFID is printed when the flow has one.
    /// </summary>
    public static string FormatFlow(DatapathFlow flow, ulong nowMs, bool lossless = false)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var sb = new StringBuilder(256);
        if (flow.Ufid is { } u)
        {
            sb.Append("ufid:").Append(u.ToString()).Append(", ");
        }

        sb.Append(FormatMatch(flow.Match));
        var s = flow.Stats;
        sb.Append(", packets:").Append(s.Packets.ToString(Inv)).Append(", bytes:").Append(s.Bytes.ToString(Inv)).Append(", used:");
        if (s.UsedMs is { } used)
        {
            var ms = nowMs > used ? nowMs - used : 0;
            sb.Append((ms / 1000).ToString(Inv)).Append('.').Append((ms % 1000).ToString("000", Inv)).Append('s');
        }
        else
        {
            sb.Append("never");
        }

        if (s.TcpFlags != 0)
        {
            sb.Append(", flags:").Append(FlagLetters(s.TcpFlags));
        }

        sb.Append(", actions:");
        AppendActions(sb, flow.Actions, lossless);
        return sb.ToString();
    }

    /// <summary>Letters of dump-flows' <c>flags:</c> in OVS's fixed order.</summary>
    internal static readonly (ushort Bit, char Letter)[] FlagOrder =
        [(0x02, 'S'), (0x01, 'F'), (0x08, 'P'), (0x04, 'R'), (0x20, 'U'), (0x10, '.'), (0x40, 'E'), (0x80, 'C'), (0x100, 'N')];

    private static string FlagLetters(ushort flags)
    {
        var sb = new StringBuilder(9);
        foreach (var (bit, letter) in FlagOrder)
        {
            if ((flags & bit) != 0)
            {
                sb.Append(letter);
            }
        }

        return sb.ToString();
    }
}
