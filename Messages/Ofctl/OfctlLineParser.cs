using VSwarm.Messages.Cookies;
using VSwarm.Messages.Flow;
using VSwarm.Messages.OpenFlow;

namespace VSwarm.Messages.Ofctl;

/// <summary>Field prerequisites, as OVS's mf_prereqs (checked on the finished match).</summary>
internal enum Prereq
{
    None,
    Ip4OrArp,
    Arp,
    IpAny,
    IpAnyOrArp,
    Ipv6,
    Tcp,
    Udp,
    Sctp,
    L4,
    IcmpAny,
    Icmp4,
    Icmp6,
    Nd,
    NdSolicit,
    NdAdvert,
}

/// <summary>Parses one line of ovs-ofctl flow text, tracking columns for error messages.</summary>
internal sealed class OfctlLineParser(string text, string source, int line)
{
    private readonly List<(Prereq Prereq, string Name, int Col, string Token)> _prereqs = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private FlowKey _key;
    private FlowMask _mask;

    public OpenFlowRule ParseFlow(bool requireActions)
    {
        var rule = new OpenFlowRule();
        var pos = 0;
        var actionsAt = -1;
        while (true)
        {
            pos = SkipDelims(pos);
            if (pos >= text.Length)
            {
                break;
            }

            var keyStart = pos;
            while (pos < text.Length && text[pos] != '=' && !IsDelim(text[pos]))
            {
                pos++;
            }

            var key = text[keyStart..pos];
            if (pos < text.Length && text[pos] == '=')
            {
                pos++;
                if (key is "actions" or "action")
                {
                    actionsAt = pos;
                    break;
                }

                var valStart = pos;
                while (pos < text.Length && !IsDelim(text[pos]))
                {
                    pos++;
                }

                rule = Assignment(rule, key, keyStart, text[valStart..pos], valStart);
            }
            else
            {
                Keyword(key, keyStart);
            }
        }

        CheckPrereqs();
        rule = rule with { Match = new Match(_key, _mask) };
        if (actionsAt < 0)
        {
            if (requireActions)
            {
                throw Fail(text.Length, "", "must specify actions (missing 'actions=')");
            }

            return rule;
        }

        return rule with { Actions = ParseActions(actionsAt) };
    }

    // ---------------------------------------------------------------- match

    private static bool IsDelim(char c) => c is ',' or ' ' or '\t' or '\r' or '\n';

    private int SkipDelims(int pos)
    {
        while (pos < text.Length && IsDelim(text[pos]))
        {
            pos++;
        }

        return pos;
    }

    private OfctlParseException Fail(int index, string token, string reason) =>
        new(source, line, index + 1, token, reason);

    private void Seen(string name, int col)
    {
        if (!_seen.Add(name))
        {
            throw Fail(col, name, $"duplicate field '{name}'");
        }
    }

    private void Keyword(string key, int col)
    {
        switch (key)
        {
            case "eth":
                Seen(key, col);
                return; // packet_type=eth: every VSwarm packet is Ethernet
            case "ip": Shorthand(key, col, 0x0800, null); return;
            case "ipv6": Shorthand(key, col, 0x86dd, null); return;
            case "icmp": Shorthand(key, col, 0x0800, 1); return;
            case "igmp": Shorthand(key, col, 0x0800, 2); return;
            case "tcp": Shorthand(key, col, 0x0800, 6); return;
            case "udp": Shorthand(key, col, 0x0800, 17); return;
            case "sctp": Shorthand(key, col, 0x0800, 132); return;
            case "icmp6": Shorthand(key, col, 0x86dd, 58); return;
            case "tcp6": Shorthand(key, col, 0x86dd, 6); return;
            case "udp6": Shorthand(key, col, 0x86dd, 17); return;
            case "sctp6": Shorthand(key, col, 0x86dd, 132); return;
            case "arp": Shorthand(key, col, 0x0806, null); return;
            case "rarp": Shorthand(key, col, 0x8035, null); return;
            case "mpls": Shorthand(key, col, 0x8847, null); return;
            case "mplsm": Shorthand(key, col, 0x8848, null); return;
            default:
                if (key.Length == 0)
                {
                    throw Fail(col, "=", "missing field name before '='");
                }

                if (IsTopLevel(key) || FieldSpecs.ContainsKey(key) || key is "dl_vlan" or "dl_vlan_pcp" or "nw_tos" or "nw_frag" or "ip_frag" or "tcp_flags" or "in_port")
                {
                    throw Fail(col, key, $"missing value for field '{key}'");
                }

                throw Fail(col, key, $"unknown field '{key}'");
        }
    }

    private static bool IsTopLevel(string key) => key is "priority" or "table" or "cookie" or "idle_timeout" or "hard_timeout";

    private void Shorthand(string name, int col, ushort dlType, byte? proto)
    {
        Seen(name, col);
        Apply(name, col, FlowFields.DlType, dlType, 0xffff);
        if (proto is byte p)
        {
            Apply(name, col, FlowFields.NwProto, p, 0xff);
        }
    }

    private void Apply(string name, int col, FlowField f, UInt128 value, UInt128 mask)
    {
        var em = _mask.Get(f);
        var ek = _key.Get(f);
        var overlap = em & mask;
        if ((ek & overlap) != (value & overlap))
        {
            throw Fail(col, name, $"conflicting value for '{name}'");
        }

        _mask.Set(f, em | mask);
        _key.Set(f, (ek & ~mask) | (value & mask));
    }

    private UInt128 Number(string s, int col, UInt128 max, string name)
    {
        if (!OfctlValues.TryParseUInt(s, out var v))
        {
            throw Fail(col, s, $"invalid number '{s}' for '{name}'");
        }

        return v <= max ? v : throw Fail(col, s, $"value '{s}' out of range for '{name}' (max {OfctlValues.Dec(max)})");
    }

    private OpenFlowRule Assignment(OpenFlowRule rule, string key, int keyCol, string value, int valCol)
    {
        if (value.Length == 0)
        {
            throw Fail(keyCol, key, $"missing value for field '{key}'");
        }

        if (IsTopLevel(key))
        {
            Seen(key, keyCol);
            switch (key)
            {
                case "priority":
                    return rule with { Priority = (ushort)Number(value, valCol, ushort.MaxValue, key) };
                case "table":
                    return rule with { Table = (byte)Number(value, valCol, 254, key) };
                case "idle_timeout":
                    return rule with { IdleTimeout = (ushort)Number(value, valCol, ushort.MaxValue, key) };
                case "hard_timeout":
                    return rule with { HardTimeout = (ushort)Number(value, valCol, ushort.MaxValue, key) };
                default:
                    var slash = value.IndexOf('/', StringComparison.Ordinal);
                    if (slash < 0)
                    {
                        return rule with { Cookie = (ulong)Number(value, valCol, ulong.MaxValue, key) };
                    }

                    return rule with
                    {
                        Cookie = (ulong)Number(value[..slash], valCol, ulong.MaxValue, key),
                        CookieMask = (ulong)Number(value[(slash + 1)..], valCol + slash + 1, ulong.MaxValue, key),
                    };
            }
        }

        switch (key)
        {
            case "in_port":
                Seen("in_port", keyCol);
                Require(Prereq.None, key, keyCol);
                Apply(key, keyCol, FlowFields.InPort, Port(value, valCol, key), uint.MaxValue);
                return rule;
            case "dl_vlan":
                Seen(key, keyCol);
                {
                    var v = Number(value, valCol, 0xffff, key);
                    if (v == 0xffff)
                    {
                        Apply(key, keyCol, FlowFields.VlanTci, 0, 0xffff);
                    }
                    else if (v > 4095)
                    {
                        throw Fail(valCol, value, $"value '{value}' out of range for 'dl_vlan' (0..4095, or 0xffff for no VLAN)");
                    }
                    else
                    {
                        Apply(key, keyCol, FlowFields.VlanTci, FlowKey.VlanCfi | v, 0x1fff);
                    }
                }

                return rule;
            case "dl_vlan_pcp":
                Seen(key, keyCol);
                Apply(key, keyCol, FlowFields.VlanTci, FlowKey.VlanCfi | (Number(value, valCol, 7, key) << 13), 0xf000);
                return rule;
            case "nw_tos":
                Seen(key, keyCol);
                Require(Prereq.IpAny, key, keyCol);
                Apply(key, keyCol, FlowFields.NwTos, Number(value, valCol, 255, key) & 0xfc, 0xfc);
                return rule;
            case "nw_frag" or "ip_frag":
                Seen("nw_frag", keyCol);
                Require(Prereq.IpAny, key, keyCol);
                (int fv, int fm) = value switch
                {
                    "no" => (0, 3),
                    "first" => (1, 3),
                    "later" => (3, 3),
                    "yes" => (1, 1),
                    "not_later" => (0, 2),
                    _ => throw Fail(valCol, value, $"unknown fragment type '{value}' (valid types are no, yes, first, later, not_later)"),
                };
                Apply(key, keyCol, FlowFields.NwFrag, (uint)fv, (uint)fm);
                return rule;
            case "tcp_flags":
                Seen(key, keyCol);
                Require(Prereq.Tcp, key, keyCol);
                {
                    var (v, m) = TcpFlags(value, valCol);
                    Apply(key, keyCol, FlowFields.TcpFlags, v, m);
                }

                return rule;
        }

        if (!FieldSpecs.TryGetValue(key, out var spec))
        {
            throw Fail(keyCol, key, $"unknown field '{key}'");
        }

        Seen(spec.Field.Name, keyCol);
        Require(spec.Prereq, key, keyCol);
        var (value1, mask1) = FieldValue(spec.Field, value, valCol, key, spec.Maskable, spec.StorageMask);
        var sh = spec.Field.Shift;
        Apply(key, keyCol, spec.Field.Storage, value1 << sh, mask1 << sh);
        return rule;
    }

    private void Require(Prereq p, string name, int col)
    {
        if (p != Prereq.None)
        {
            _prereqs.Add((p, name, col, name));
        }
    }

    private uint Port(string s, int col, string name)
    {
        if (OfPorts.FromName(s) is ushort named)
        {
            return named;
        }

        if (!OfctlValues.TryParseUInt(s, out var v))
        {
            throw Fail(col, s, $"invalid port '{s}' for '{name}'");
        }

        if (v >= 0xffffff00 && v <= 0xffffffff)
        {
            v -= 0xffff0000; // OpenFlow 1.1+ reserved port numbers
        }

        return v <= 0xffff ? (uint)v : throw Fail(col, s, $"value '{s}' out of range for '{name}' (max 65535)");
    }

    /// <summary>Parses VALUE[/MASK] for a field, in the field's units (not shifted).</summary>
    internal (UInt128 Value, UInt128 Mask) FieldValue(OfField f, string s, int col, string name, bool maskable, UInt128? exactMask = null)
    {
        var slash = s.IndexOf('/', StringComparison.Ordinal);
        var vtext = slash < 0 ? s : s[..slash];
        var mtext = slash < 0 ? null : s[(slash + 1)..];
        if (mtext is not null && !maskable)
        {
            throw Fail(col, s, $"field '{name}' is not maskable ('{s}')");
        }

        var full = exactMask ?? f.AllOnes;
        UInt128 v, m = full;
        switch (f.Format)
        {
            case OfFieldFormat.Mac:
                {
                    if (!OfctlValues.TryParseMac(vtext, out var mac))
                    {
                        throw Fail(col, vtext, $"invalid Ethernet address '{vtext}'");
                    }

                    v = mac;
                    if (mtext is not null)
                    {
                        m = OfctlValues.TryParseMac(mtext, out var mm) ? mm : throw Fail(col + slash + 1, mtext, $"invalid Ethernet mask '{mtext}'");
                    }

                    break;
                }

            case OfFieldFormat.Ipv4:
                {
                    if (!OfctlValues.TryParseIpv4(vtext, out var ip))
                    {
                        throw Fail(col, vtext, $"invalid IP address '{vtext}'");
                    }

                    v = ip;
                    if (mtext is not null)
                    {
                        if (OfctlValues.TryParseIpv4(mtext, out var im))
                        {
                            m = im;
                        }
                        else if (int.TryParse(mtext, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var plen) && plen <= 32)
                        {
                            m = f.Storage.PrefixMask(plen);
                        }
                        else
                        {
                            throw Fail(col + slash + 1, mtext, $"invalid IP mask or prefix length '{mtext}' (0..32)");
                        }
                    }

                    break;
                }

            case OfFieldFormat.Ipv6:
                {
                    if (!OfctlValues.TryParseIpv6(vtext, out var ip6))
                    {
                        throw Fail(col, vtext, $"invalid IPv6 address '{vtext}'");
                    }

                    v = ip6;
                    if (mtext is not null)
                    {
                        if (OfctlValues.TryParseIpv6(mtext, out var m6))
                        {
                            m = m6;
                        }
                        else if (int.TryParse(mtext, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var plen) && plen <= 128)
                        {
                            m = f.Storage.PrefixMask(plen);
                        }
                        else
                        {
                            throw Fail(col + slash + 1, mtext, $"invalid IPv6 mask or prefix length '{mtext}' (0..128)");
                        }
                    }

                    break;
                }

            case OfFieldFormat.Port:
                v = Port(vtext, col, name);
                break;
            default:
                v = Number(vtext, col, f.AllOnes, name);
                if (mtext is not null)
                {
                    m = Number(mtext, col + slash + 1, full, name);
                }

                break;
        }

        return (v & m, m);
    }

    private (UInt128 Value, UInt128 Mask) TcpFlags(string s, int col)
    {
        const uint all = 0x0fff;
        if (s[0] is >= '0' and <= '9')
        {
            var slash = s.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                return (Number(s, col, all, "tcp_flags"), all);
            }

            var m = Number(s[(slash + 1)..], col + slash + 1, all, "tcp_flags");
            return (Number(s[..slash], col, all, "tcp_flags") & m, m);
        }

        if (s[0] is '+' or '-')
        {
            UInt128 v = 0, m = 0;
            var i = 0;
            while (i < s.Length)
            {
                var set = s[i] == '+';
                if (s[i] is not ('+' or '-'))
                {
                    throw Fail(col + i, s[i..], $"expected '+' or '-' in tcp_flags at '{s[i..]}'");
                }

                var j = i + 1;
                while (j < s.Length && s[j] is not ('+' or '-'))
                {
                    j++;
                }

                var bit = TcpFlagBit(s[(i + 1)..j], col + i + 1);
                if ((m & bit) != 0)
                {
                    throw Fail(col + i, s[i..j], $"tcp flag '{s[(i + 1)..j]}' given twice");
                }

                m |= bit;
                if (set)
                {
                    v |= bit;
                }

                i = j;
            }

            return (v, m);
        }

        UInt128 flags = 0;
        var at = 0;
        foreach (var part in s.Split('|'))
        {
            flags |= TcpFlagBit(part, col + at);
            at += part.Length + 1;
        }

        return (flags, all);
    }

    private static readonly string[] TcpFlagNames = ["fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns", "[200]", "[400]", "[800]"];

    internal static string TcpFlagName(int bit) => TcpFlagNames[bit];

    private uint TcpFlagBit(string name, int col)
    {
        var i = Array.IndexOf(TcpFlagNames, name);
        return i >= 0 ? 1u << i : throw Fail(col, name, $"unknown TCP flag '{name}'");
    }

    private void CheckPrereqs()
    {
        var dl = _mask.IsExact(FlowFields.DlType) ? _key.DlType : (ushort?)null;
        var proto = _mask.IsExact(FlowFields.NwProto) ? _key.NwProto : (byte?)null;
        var ip4 = dl == EtherType.Ipv4;
        var ip6 = dl == EtherType.Ipv6;
        var ip = ip4 || ip6;
        var arp = dl is 0x0806 or 0x8035;
        var icmp6 = ip6 && proto == 58;
        var icmpType = (_mask.Get(FlowFields.TpSrc) & 0xff) == 0xff ? _key.TpSrc : -1;
        var ndCodeOk = _key.TpDst == 0;
        foreach (var (p, name, col, token) in _prereqs)
        {
            var (ok, what) = p switch
            {
                Prereq.Ip4OrArp => (ip4 || arp, "ip or arp"),
                Prereq.Arp => (arp, "arp or rarp"),
                Prereq.IpAny => (ip, "ip or ipv6"),
                Prereq.IpAnyOrArp => (ip || arp, "ip, ipv6 or arp"),
                Prereq.Ipv6 => (ip6, "ipv6"),
                Prereq.Tcp => (ip && proto == 6, "tcp or tcp6"),
                Prereq.Udp => (ip && proto == 17, "udp or udp6"),
                Prereq.Sctp => (ip && proto == 132, "sctp or sctp6"),
                Prereq.L4 => ((ip && proto is 6 or 17 or 132) || (ip4 && proto == 1) || icmp6, "tcp, udp, sctp or icmp"),
                Prereq.IcmpAny => ((ip4 && proto == 1) || icmp6, "icmp or icmp6"),
                Prereq.Icmp4 => (ip4 && proto == 1, "icmp"),
                Prereq.Icmp6 => (icmp6, "icmp6"),
                Prereq.Nd => (icmp6 && icmpType is 135 or 136 && ndCodeOk, "icmp6 with icmp_type=135 or 136"),
                Prereq.NdSolicit => (icmp6 && icmpType == 135 && ndCodeOk, "icmp6 with icmp_type=135"),
                Prereq.NdAdvert => (icmp6 && icmpType == 136 && ndCodeOk, "icmp6 with icmp_type=136"),
                _ => (true, ""),
            };
            if (!ok)
            {
                throw Fail(col, token, $"field '{name}' requires {what}");
            }
        }
    }

    private sealed record FieldSpec(OfField Field, Prereq Prereq, bool Maskable, UInt128? StorageMask = null);

    private static readonly Dictionary<string, FieldSpec> FieldSpecs = BuildSpecs();

    private static Dictionary<string, FieldSpec> BuildSpecs()
    {
        var d = new Dictionary<string, FieldSpec>(StringComparer.Ordinal);
        void Add(FieldSpec s, params string[] names)
        {
            foreach (var n in names)
            {
                d[n] = s;
            }
        }

        Add(new(OfFields.EthSrc, Prereq.None, true), "dl_src", "eth_src");
        Add(new(OfFields.EthDst, Prereq.None, true), "dl_dst", "eth_dst");
        Add(new(OfFields.EthType, Prereq.None, false), "dl_type", "eth_type");
        Add(new(OfFields.VlanTci, Prereq.None, true), "vlan_tci");
        Add(new(OfFields.IpSrc, Prereq.Ip4OrArp, true), "nw_src", "ip_src");
        Add(new(OfFields.IpDst, Prereq.Ip4OrArp, true), "nw_dst", "ip_dst");
        Add(new(OfFields.ArpSpa, Prereq.Arp, true), "arp_spa");
        Add(new(OfFields.ArpTpa, Prereq.Arp, true), "arp_tpa");
        Add(new(OfFields.NwProto, Prereq.IpAnyOrArp, false), "nw_proto", "ip_proto");
        Add(new(OfFields.ArpOp, Prereq.Arp, false), "arp_op");
        Add(new(OfFields.IpDscp, Prereq.IpAny, false), "ip_dscp");
        Add(new(OfFields.NwEcn, Prereq.IpAny, false), "nw_ecn", "ip_ecn");
        Add(new(OfFields.NwTtl, Prereq.IpAny, false), "nw_ttl");
        Add(new(OfFields.TcpSrc, Prereq.L4, true), "tp_src");
        Add(new(OfFields.TcpDst, Prereq.L4, true), "tp_dst");
        Add(new(OfFields.TcpSrc, Prereq.Tcp, true), "tcp_src");
        Add(new(OfFields.TcpDst, Prereq.Tcp, true), "tcp_dst");
        Add(new(OfFields.UdpSrc, Prereq.Udp, true), "udp_src");
        Add(new(OfFields.UdpDst, Prereq.Udp, true), "udp_dst");
        Add(new(OfFields.SctpSrc, Prereq.Sctp, true), "sctp_src");
        Add(new(OfFields.SctpDst, Prereq.Sctp, true), "sctp_dst");

        // ICMP type/code: 8-bit values matched with a full 16-bit mask on tp_src/tp_dst, as OVS's
        // match_set_icmp_type; a 16-bit mask may be given (an extension: megaflows print one).
        Add(new(OfFields.IcmpType, Prereq.IcmpAny, true, 0xffff), "icmp_type");
        Add(new(OfFields.IcmpCode, Prereq.IcmpAny, true, 0xffff), "icmp_code");
        Add(new(OfFields.Icmpv6Type, Prereq.Icmp6, true, 0xffff), "icmpv6_type");
        Add(new(OfFields.Icmpv6Code, Prereq.Icmp6, true, 0xffff), "icmpv6_code");
        Add(new(OfFields.ArpSha, Prereq.Arp, true), "arp_sha");
        Add(new(OfFields.ArpTha, Prereq.Arp, true), "arp_tha");
        Add(new(OfFields.Ipv6Src, Prereq.Ipv6, true), "ipv6_src");
        Add(new(OfFields.Ipv6Dst, Prereq.Ipv6, true), "ipv6_dst");
        Add(new(OfFields.Ipv6Label, Prereq.Ipv6, true), "ipv6_label");
        Add(new(OfFields.NdTarget, Prereq.Nd, true), "nd_target");
        Add(new(OfFields.NdSll, Prereq.NdSolicit, true), "nd_sll");
        Add(new(OfFields.NdTll, Prereq.NdAdvert, true), "nd_tll");
        Add(new(OfFields.Metadata, Prereq.None, true), "metadata");
        Add(new(OfFields.RecircId, Prereq.None, false), "recirc_id");
        for (var i = 0; i < 8; i++)
        {
            Add(new(OfFields.Regs[i], Prereq.None, true), $"reg{i}");
        }

        return d;
    }

    // ---------------------------------------------------------------- actions

    public OfActionList ParseActions(int start)
    {
        var list = new List<OfAction>();
        var drop = -1;
        var pos = start;
        while (true)
        {
            pos = SkipDelims(pos);
            if (pos >= text.Length)
            {
                break;
            }

            var tokStart = pos;
            var depth = 0;
            var open = new Stack<int>();
            while (pos < text.Length)
            {
                var c = text[pos];
                if (c == '(')
                {
                    open.Push(pos);
                    depth++;
                }
                else if (c == ')')
                {
                    if (depth == 0)
                    {
                        throw Fail(pos, text[tokStart..(pos + 1)], $"unbalanced parentheses: unexpected ')' in '{text[tokStart..(pos + 1)]}'");
                    }

                    open.Pop();
                    depth--;
                }
                else if (depth == 0 && IsDelim(c))
                {
                    break;
                }

                pos++;
            }

            var tok = text[tokStart..pos];
            if (depth > 0)
            {
                throw Fail(open.Last(), tok, $"unbalanced parentheses: missing ')' in '{tok}'");
            }

            if (string.Equals(tok, "drop", StringComparison.OrdinalIgnoreCase))
            {
                drop = tokStart;
                continue;
            }

            list.Add(Action(tok, tokStart));
        }

        if (drop >= 0 && list.Count > 0)
        {
            throw Fail(drop, "drop", "'drop' must not be accompanied by any other action");
        }

        return OfActionList.From(list);
    }

    private OfAction Action(string tok, int col)
    {
        var n = 0;
        while (n < tok.Length && (char.IsAsciiLetterOrDigit(tok[n]) || tok[n] == '_'))
        {
            n++;
        }

        var name = tok[..n].ToLowerInvariant();
        string? arg = null;
        var argCol = col + n + 1;
        var paren = false;
        if (n < tok.Length)
        {
            if (tok[n] is ':' or '=')
            {
                arg = tok[(n + 1)..];
            }
            else if (tok[n] == '(' && tok[^1] == ')')
            {
                arg = tok[(n + 1)..^1];
                paren = true;
            }
            else
            {
                throw Fail(col, tok, $"malformed action '{tok}'");
            }
        }

        if (n > 0 && tok.AsSpan(0, n).ContainsAnyExceptInRange('0', '9') is false)
        {
            return arg is null ? new OutputAction((ushort)Port(tok, col, "output")) : throw Fail(col, tok, $"malformed action '{tok}'");
        }

        switch (name)
        {
            case "output":
                return new OutputAction((ushort)Port(NeedArg(arg, tok, col), argCol, "output"));
            case "controller":
                if (arg is null)
                {
                    return new ControllerAction();
                }

                if (paren)
                {
                    if (!arg.StartsWith("max_len=", StringComparison.Ordinal))
                    {
                        throw Fail(argCol, arg, $"unsupported controller argument '{arg}'");
                    }

                    return new ControllerAction((ushort)Number(arg[8..], argCol + 8, ushort.MaxValue, "max_len"));
                }

                return new ControllerAction((ushort)Number(arg, argCol, ushort.MaxValue, "controller"));
            case "goto_table":
                return new GotoTableAction((byte)Number(NeedArg(arg, tok, col), argCol, 254, "goto_table"));
            case "resubmit":
                return Resubmit(NeedArg(arg, tok, col), argCol, paren);
            case "set_field":
                return SetField(NeedArg(arg, tok, col), argCol);
            case "load":
                return Load(NeedArg(arg, tok, col), argCol);
            case "move":
                return Move(NeedArg(arg, tok, col), argCol);
            case "mod_dl_src" or "mod_dl_dst":
                {
                    var a = NeedArg(arg, tok, col);
                    return OfctlValues.TryParseMac(a, out var mac)
                        ? new ModAction(name == "mod_dl_src" ? ModField.DlSrc : ModField.DlDst, mac)
                        : throw Fail(argCol, a, $"invalid Ethernet address '{a}'");
                }

            case "mod_nw_src" or "mod_nw_dst":
                {
                    var a = NeedArg(arg, tok, col);
                    return OfctlValues.TryParseIpv4(a, out var ip)
                        ? new ModAction(name == "mod_nw_src" ? ModField.NwSrc : ModField.NwDst, ip)
                        : throw Fail(argCol, a, $"invalid IP address '{a}'");
                }

            case "mod_nw_tos":
                {
                    var a = NeedArg(arg, tok, col);
                    var v = Number(a, argCol, 255, name);
                    return (v & 3) == 0 ? new ModAction(ModField.NwTos, (ulong)v) : throw Fail(argCol, a, $"invalid TOS '{a}' (low 2 bits must be zero)");
                }

            case "mod_tp_src":
                return new ModAction(ModField.TpSrc, (ulong)Number(NeedArg(arg, tok, col), argCol, ushort.MaxValue, name));
            case "mod_tp_dst":
                return new ModAction(ModField.TpDst, (ulong)Number(NeedArg(arg, tok, col), argCol, ushort.MaxValue, name));
            case "mod_vlan_vid":
                return new ModAction(ModField.VlanVid, (ulong)Number(NeedArg(arg, tok, col), argCol, 4095, name));
            case "mod_vlan_pcp":
                return new ModAction(ModField.VlanPcp, (ulong)Number(NeedArg(arg, tok, col), argCol, 7, name));
            case "strip_vlan" or "pop_vlan":
                return NoArg(arg, tok, col, new PopVlanAction());
            case "push_vlan":
                {
                    var a = NeedArg(arg, tok, col);
                    var v = Number(a, argCol, ushort.MaxValue, name);
                    return v == 0x8100 || v == 0x88a8 ? new PushVlanAction((ushort)v) : throw Fail(argCol, a, $"invalid push_vlan ethertype '{a}' (0x8100 or 0x88a8)");
                }

            case "dec_ttl":
                return NoArg(arg, tok, col, new DecTtlAction());
            case "sample":
                return paren ? Sample(arg!, argCol) : throw Fail(col, tok, $"malformed action '{tok}': use sample(probability=…,…)");
            default:
                if (arg is null && OfPorts.FromName(name) is ushort p && p is not OfPorts.Controller and not OfPorts.None)
                {
                    return new OutputAction(p);
                }

                throw Fail(col, tok, $"unknown action '{(n > 0 ? tok[..n] : tok)}'");
        }
    }

    private string NeedArg(string? arg, string tok, int col) =>
        string.IsNullOrEmpty(arg) ? throw Fail(col, tok, $"action '{tok}' needs an argument") : arg;

    private OfAction NoArg(string? arg, string tok, int col, OfAction a) =>
        arg is null ? a : throw Fail(col, tok, $"action '{tok}' takes no argument");

    private ResubmitAction Resubmit(string arg, int col, bool paren)
    {
        if (!paren)
        {
            return new ResubmitAction(ResubmitPort(arg, col), null);
        }

        var comma = arg.IndexOf(',', StringComparison.Ordinal);
        var p = comma < 0 ? arg : arg[..comma];
        var t = comma < 0 ? "" : arg[(comma + 1)..];
        if (t.Contains(',', StringComparison.Ordinal))
        {
            throw Fail(col + comma + 1, t, $"unsupported resubmit argument '{t}'");
        }

        var port = p.Length == 0 ? null : ResubmitPort(p, col);
        byte? table = t.Length == 0 ? null : (byte)Number(t, col + comma + 1, 254, "resubmit table");
        return new ResubmitAction(port, table);
    }

    private ushort? ResubmitPort(string s, int col)
    {
        var p = (ushort)Port(s, col, "resubmit");
        return p == OfPorts.InPort ? null : p;
    }

    private SetFieldAction SetField(string arg, int col)
    {
        var arrow = arg.LastIndexOf("->", StringComparison.Ordinal);
        if (arrow < 0)
        {
            throw Fail(col, arg, $"set_field '{arg}' lacks '->FIELD'");
        }

        var fname = arg[(arrow + 2)..];
        var f = OfFields.Find(fname) ?? throw Fail(col + arrow + 2, fname, $"unknown field '{fname}'");
        var vtext = arg[..arrow];
        var hasMask = vtext.Contains('/', StringComparison.Ordinal);
        var (v, m) = FieldValue(f, vtext, col, f.Name, true);
        return new SetFieldAction(f, v, hasMask && m != f.AllOnes ? m : null);
    }

    private LoadAction Load(string arg, int col)
    {
        var arrow = arg.IndexOf("->", StringComparison.Ordinal);
        if (arrow < 0)
        {
            throw Fail(col, arg, $"load '{arg}' lacks '->FIELD[bits]'");
        }

        var vtext = arg[..arrow];
        var dst = Slice(arg[(arrow + 2)..], col + arrow + 2);
        var v = Number(vtext, col, UInt128.MaxValue, "load");
        var max = dst.Bits == 128 ? UInt128.MaxValue : (UInt128.One << dst.Bits) - 1;
        return v <= max ? new LoadAction(v, dst) : throw Fail(col, vtext, $"value '{vtext}' does not fit in {dst.Bits} bits of {dst}");
    }

    private MoveAction Move(string arg, int col)
    {
        var arrow = arg.IndexOf("->", StringComparison.Ordinal);
        if (arrow < 0)
        {
            throw Fail(col, arg, $"move '{arg}' lacks '->FIELD[bits]'");
        }

        var src = Slice(arg[..arrow], col);
        var dst = Slice(arg[(arrow + 2)..], col + arrow + 2);
        return src.Bits == dst.Bits
            ? new MoveAction(src, dst)
            : throw Fail(col, arg, $"move '{arg}': source has {src.Bits} bits but destination has {dst.Bits}");
    }

    private FieldSlice Slice(string s, int col)
    {
        var br = s.IndexOf('[', StringComparison.Ordinal);
        var fname = br < 0 ? s : s[..br];
        var f = OfFields.Find(fname) ?? throw Fail(col, fname, $"unknown field '{fname}'");
        if (br < 0)
        {
            return FieldSlice.Whole(f);
        }

        var range = s[br..];
        if (range[^1] != ']')
        {
            throw Fail(col + br, range, $"invalid bit range '{range}'");
        }

        var inner = range[1..^1];
        if (inner.Length == 0)
        {
            return FieldSlice.Whole(f);
        }

        var dots = inner.IndexOf("..", StringComparison.Ordinal);
        int lo, hi;
        if (dots < 0)
        {
            lo = hi = ParseBit(inner, range, col + br);
        }
        else
        {
            lo = ParseBit(inner[..dots], range, col + br);
            hi = ParseBit(inner[(dots + 2)..], range, col + br);
        }

        if (lo > hi || hi >= f.Bits)
        {
            throw Fail(col + br, range, $"invalid bit range '{range}' for {f.SubfieldName} ({f.Bits} bits)");
        }

        return new FieldSlice(f, lo, hi - lo + 1);
    }

    private int ParseBit(string s, string range, int col) =>
        int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var b) && b < 1000
            ? b
            : throw Fail(col, range, $"invalid bit range '{range}'");

    private SampleAction Sample(string arg, int col)
    {
        ushort? prob = null;
        uint cs = 0, od = 0, op = 0;
        ushort? samplingPort = null;
        var direction = FlowSampleDirection.Default;
        var at = 0;
        foreach (var part in arg.Split(','))
        {
            var c = col + at;
            at += part.Length + 1;
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var k = eq < 0 ? part : part[..eq];
            var v = eq < 0 ? "" : part[(eq + 1)..];
            if (eq < 0 && part is "ingress" or "egress")
            {
                // OVS's sample2 direction keywords take no value.
                direction = part == "ingress" ? FlowSampleDirection.Ingress : FlowSampleDirection.Egress;
                continue;
            }

            if (eq < 0 || v.Length == 0)
            {
                throw Fail(c, part, $"sample argument '{part}' needs a value");
            }

            switch (k)
            {
                case "probability":
                    var p = Number(v, c + eq + 1, ushort.MaxValue, k);
                    prob = p != 0 ? (ushort)p : throw Fail(c + eq + 1, v, "invalid probability value '0' (1..65535)");
                    break;
                case "collector_set_id": cs = (uint)Number(v, c + eq + 1, uint.MaxValue, k); break;
                case "obs_domain_id": od = (uint)Number(v, c + eq + 1, uint.MaxValue, k); break;
                case "obs_point_id": op = (uint)Number(v, c + eq + 1, uint.MaxValue, k); break;
                case "sampling_port": samplingPort = Port(v, c + eq + 1, k) is var spt && spt != OfPorts.None ? (ushort)spt : null; break; // NONE: no port, as OVS
                default: throw Fail(c, k, $"unknown sample argument '{k}'");
            }
        }

        return prob is ushort pr ? new SampleAction(pr, cs, od, op, samplingPort, direction) : throw Fail(col, arg, "sample needs probability=…");
    }
}
