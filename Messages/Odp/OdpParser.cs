using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using VSwarm.Messages.Cookies;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Netlink;

namespace VSwarm.Messages.Odp;

/// <summary>
/// Parses the ODP text that <see cref="OdpFormatter"/> writes (and OVS's kernel-style
/// dump-flows output): keys/masks, actions and whole dump lines. Errors throw
/// <see cref="OdpParseException"/> with the 1-based column and the token.
/// </summary>
/// <remarks>
/// Keys are parsed into OVS_KEY_ATTR_* key and mask streams and then decoded with
/// <see cref="OdpKeyCodec"/>, so text and netlink share one validation. Attributes VSwarm does not
/// model (dp_hash, skb_priority, skb_mark, ct_*, packet_type...) are accepted only with a zero
/// mask (as verbose dumps print them) and ignored.
/// </remarks>
public static class OdpParser
{
    /// <summary>Parses a key/mask text into a match.</summary>
    public static Match ParseMatch(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var c = new Cursor(text, 0, text.Length);
        var m = ParseKey(ref c);
        c.ExpectEnd();
        return m;
    }

    /// <summary>Parses an action list (<c>drop</c> or comma-separated actions).</summary>
    public static DpActions ParseActions(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var c = new Cursor(text, 0, text.Length);
        var a = ParseActionList(ref c, 0);
        c.ExpectEnd();
        return a;
    }

    /// <summary>
    /// Parses a dump-flows line; <c>used:</c> is converted back to an absolute time with
    /// <paramref name="nowMs"/>. Verbose-only items (<c>dp:</c>, <c>offloaded:</c>) are accepted and ignored.
    /// </summary>
    public static DatapathFlow ParseFlow(string line, ulong nowMs)
    {
        ArgumentNullException.ThrowIfNull(line);
        Ufid? ufid = null;
        var pos = 0;
        if (line.StartsWith("ufid:", StringComparison.Ordinal))
        {
            var end = line.IndexOf(", ", StringComparison.Ordinal);
            if (end < 0 || !Ufid.TryParse(line[5..end], out var u))
            {
                throw new OdpParseException("bad ufid", 6, Snip(line, 5));
            }

            ufid = u;
            pos = end + 2;
        }

        var keyEnd = line.IndexOf(", packets:", pos, StringComparison.Ordinal);
        if (keyEnd < 0)
        {
            throw new OdpParseException("missing ', packets:'", pos + 1, Snip(line, pos));
        }

        var kc = new Cursor(line, pos, keyEnd);
        var match = ParseKey(ref kc);
        kc.ExpectEnd();

        var c = new Cursor(line, keyEnd + 2, line.Length);
        c.Expect("packets:");
        var packets = c.Number(64);
        c.Expect(", bytes:");
        var bytes = c.Number(64);
        c.Expect(", used:");
        ulong? used;
        if (c.TryTake("never"))
        {
            used = null;
        }
        else
        {
            var at = c.Pos;
            var secs = c.Number(64);
            c.Expect(".");
            var fracStart = c.Pos;
            var frac = c.Number(64);
            if (c.Pos - fracStart != 3)
            {
                throw c.Error("used needs 3 decimals", fracStart);
            }

            c.Expect("s");
            if (secs > (ulong.MaxValue - 999) / 1000)
            {
                throw c.Error("used too large", at);
            }

            var ago = (secs * 1000) + frac;
            if (ago > nowMs)
            {
                throw c.Error("used lies before time 0", at);
            }

            used = nowMs - ago;
        }

        ushort flags = 0;
        while (true)
        {
            c.Expect(", ");
            if (c.TryTake("flags:"))
            {
                flags = ParseFlagLetters(ref c);
            }
            else if (c.TryTake("dp:") || c.TryTake("offloaded:"))
            {
                c.Word();
            }
            else if (c.TryTake("actions:"))
            {
                break;
            }
            else
            {
                throw c.Error("expected flags:, dp:, offloaded: or actions:");
            }
        }

        var actions = ParseActionList(ref c, 0);
        if (c.TryTake(", dp-extra-info:"))
        {
            c.Pos = c.End;
        }

        c.ExpectEnd();
        return new DatapathFlow(match, actions, new FlowStats(packets, bytes, used, flags), ufid);
    }

    private static ushort ParseFlagLetters(ref Cursor c)
    {
        ushort flags = 0;
        var start = c.Pos;
        while (!c.AtEnd && c.Peek != ',')
        {
            var ch = c.Peek;
            var bit = Array.Find(OdpFormatter.FlagOrder, f => f.Letter == ch).Bit;
            if (bit == 0)
            {
                throw c.Error("unknown TCP flag letter");
            }

            flags |= bit;
            c.Pos++;
        }

        if (c.Pos == start)
        {
            throw c.Error("empty flags");
        }

        return flags;
    }

    // ------------------------------------------------------------------ keys

    private sealed class KeyBuild
    {
        public readonly NetlinkWriter Key = new(256);
        public readonly NetlinkWriter Mask = new(256);
    }

    private static Match ParseKey(ref Cursor c)
    {
        var start = c.Pos;
        var b = new KeyBuild();
        ParseKeyLevel(ref c, b, false);
        try
        {
            return OdpKeyCodec.Decode(b.Key.WrittenSpan, b.Mask.WrittenSpan);
        }
        catch (DpifDecodeException e)
        {
            throw new OdpParseException("inconsistent key: " + e.Reason + (e.Attribute is null ? "" : " (" + e.Attribute + ")"), start + 1, Snip(c.Text, start), e);
        }
    }

    private static void ParseKeyLevel(ref Cursor c, KeyBuild b, bool nested)
    {
        var first = true;
        while (!c.AtEnd && !(nested && c.Peek == ')'))
        {
            if (!first)
            {
                c.Expect(",");
            }

            first = false;
            var at = c.Pos;
            var name = c.Word();
            c.Expect("(");
            switch (name)
            {
                case "encap":
                    if (nested)
                    {
                        throw c.Error("a second VLAN (nested encap) is not modelled", at);
                    }

                    var kn = b.Key.BeginNested((ushort)OvsKeyAttr.Encap);
                    var mn = b.Mask.BeginNested((ushort)OvsKeyAttr.Encap);
                    ParseKeyLevel(ref c, b, true);
                    b.Key.EndNested(kn);
                    b.Mask.EndNested(mn);
                    break;
                case "recirc_id" or "in_port":
                    {
                        var v = c.Number(32);
                        var m = c.TryTake("/") ? c.Number(32) : uint.MaxValue;
                        var attr = name == "in_port" ? OvsKeyAttr.InPort : OvsKeyAttr.RecircId;
                        b.Key.PutU32((ushort)attr, (uint)(v & m));
                        b.Mask.PutU32((ushort)attr, (uint)m);
                        break;
                    }

                case "eth_type":
                    {
                        var v = (ushort)c.Number(16);
                        var m = c.TryTake("/") ? (ushort)c.Number(16) : (ushort)0xffff;
                        if (v >= KeyAttrs.EthTypeMin)
                        {
                            b.Key.PutBe16((ushort)OvsKeyAttr.Ethertype, (ushort)(v & m));
                        }
                        else if (v != 0)
                        {
                            throw c.Error("eth_type below 0x0600 other than 0 (802.2)", at);
                        }

                        b.Mask.PutBe16((ushort)OvsKeyAttr.Ethertype, m);
                        break;
                    }

                case "vlan":
                    ParseVlan(ref c, b);
                    break;
                case "tcp_flags":
                    {
                        var (v, m) = ParseTcpFlags(ref c);
                        b.Key.PutBe16((ushort)OvsKeyAttr.TcpFlags, (ushort)(v & m));
                        b.Mask.PutBe16((ushort)OvsKeyAttr.TcpFlags, m);
                        break;
                    }

                default:
                    if (OdpFields.ByName.TryGetValue(name, out var sattr))
                    {
                        var (k, m) = ParseStruct(ref c, sattr);
                        var size = KeyAttrs.PayloadSize(sattr);
                        KeyAttrs.Write(sattr, b.Key.PutAttribute((ushort)sattr, size), k.Masked(m).ReadOnlyWords, false);
                        KeyAttrs.Write(sattr, b.Mask.PutAttribute((ushort)sattr, size), m.ReadOnlyWords, true);
                    }
                    else if (OdpFields.Unmodelled.Contains(name))
                    {
                        SkipUnmodelled(ref c, at);
                    }
                    else
                    {
                        throw c.Error("unknown key attribute", at);
                    }

                    break;
            }

            c.Expect(")");
        }
    }

    private static void SkipUnmodelled(ref Cursor c, int at)
    {
        // Accepts "0/0", "0/0x0" or an empty body (e.g. "tunnel()" of verbose dumps): a zero mask.
        var s = c.Pos;
        var depth = 0;
        while (!c.AtEnd && (depth > 0 || c.Peek != ')'))
        {
            depth += c.Peek == '(' ? 1 : c.Peek == ')' ? -1 : 0;
            c.Pos++;
        }

        var body = c.Text[s..c.Pos];
        var slash = body.LastIndexOf('/');
        if (body.Length != 0 && (slash < 0 || body[(slash + 1)..] is not ("0" or "0x0" or "0x00" or "0x0000" or "00:00:00:00:00:00")))
        {
            throw c.Error("attribute not modelled by VSwarm (only a zero mask is accepted)", at);
        }
    }

    private static void ParseVlan(ref Cursor c, KeyBuild b)
    {
        ushort tci = FlowKey.VlanCfi, mask = FlowKey.VlanCfi;
        var first = true;
        while (c.Peek != ')')
        {
            if (!first)
            {
                c.Expect(",");
            }

            first = false;
            var at = c.Pos;
            var sub = c.Word();
            c.Expect("=");
            var v = c.Number(16);
            var m = c.TryTake("/") ? c.Number(16) : ulong.MaxValue;
            switch (sub)
            {
                case "vid" when v <= 0xfff:
                    m &= 0xfff;
                    tci |= (ushort)(v & m);
                    mask |= (ushort)m;
                    break;
                case "pcp" when v <= 7:
                    m &= 7;
                    tci |= (ushort)((v & m) << 13);
                    mask |= (ushort)(m << 13);
                    break;
                case "cfi" when v <= 1:
                    tci = (ushort)(v == 0 ? tci & ~FlowKey.VlanCfi : tci | FlowKey.VlanCfi);
                    break;
                default:
                    throw c.Error("bad vlan sub-field", at);
            }
        }

        b.Key.PutBe16((ushort)OvsKeyAttr.Vlan, (ushort)(tci & mask));
        b.Mask.PutBe16((ushort)OvsKeyAttr.Vlan, mask);
    }

    private static (ushort Value, ushort Mask) ParseTcpFlags(ref Cursor c)
    {
        if (c.Peek is '+' or '-')
        {
            ushort v = 0, m = 0;
            while (c.Peek is '+' or '-')
            {
                var set = c.Peek == '+';
                c.Pos++;
                var at = c.Pos;
                var bit = TcpFlagBit(c.Word());
                if (bit == 0)
                {
                    throw c.Error("unknown TCP flag", at);
                }

                m |= bit;
                v |= set ? bit : (ushort)0;
            }

            return (v, m);
        }

        if (c.Peek is >= '0' and <= '9')
        {
            var v = (ushort)c.Number(16);
            var m = c.TryTake("/") ? (ushort)c.Number(16) : KeyAttrs.TcpFlagsMask;
            return (v, m);
        }

        ushort flags = 0;
        do
        {
            var at = c.Pos;
            var bit = TcpFlagBit(c.Word());
            if (bit == 0)
            {
                throw c.Error("unknown TCP flag", at);
            }

            flags |= bit;
        }
        while (c.TryTake("|"));
        return (flags, KeyAttrs.TcpFlagsMask);
    }

    private static ushort TcpFlagBit(string name)
    {
        var i = Array.IndexOf(OdpFields.TcpFlagNames, name);
        return i < 0 ? (ushort)0 : (ushort)(1 << i);
    }

    private static (FlowKey Key, FlowMask Mask) ParseStruct(ref Cursor c, OvsKeyAttr attr)
    {
        var subs = OdpFields.Structs[attr].Subs;
        var k = default(FlowKey);
        var m = default(FlowMask);
        var first = true;
        while (c.Peek != ')')
        {
            if (!first)
            {
                c.Expect(",");
            }

            first = false;
            var at = c.Pos;
            var name = c.Word();
            var s = Array.Find(subs, x => x.Name == name) ?? throw c.Error($"unknown sub-field of {OdpFields.Structs[attr].Name}", at);
            c.Expect("=");
            var v = ParseValue(ref c, s, false);
            var mk = c.TryTake("/") ? ParseValue(ref c, s, true) : s.Exact;
            if ((v & ~s.Exact) != 0 || (mk & ~s.Exact) != 0)
            {
                throw c.Error($"value too wide for {name}", at);
            }

            s.Field.Write(k.Words, v);
            s.Field.Write(m.Words, mk | (m.Get(s.Field) & ~s.Exact));
        }

        return (k, m);
    }

    private static UInt128 ParseValue(ref Cursor c, Sub s, bool isMask)
    {
        var at = c.Pos;
        switch (s.Kind)
        {
            case SubKind.Dec or SubKind.Hex:
                return c.Number(s.Field.Bits);
            case SubKind.Mac:
                return c.Mac();
            case SubKind.Ip4:
                {
                    var t = c.Until(",/)");
                    if (isMask && int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var plen) && plen <= 32 && !t.Contains('.', StringComparison.Ordinal))
                    {
                        return s.Field.PrefixMask(plen);
                    }

                    if (IPAddress.TryParse(t, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork && t.Count(ch => ch == '.') == 3)
                    {
                        return BinaryPrimitives.ReadUInt32BigEndian(ip.GetAddressBytes());
                    }

                    throw c.Error("bad IPv4 address", at);
                }

            case SubKind.Ip6:
                {
                    var t = c.Until(",/)");
                    if (isMask && int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var plen) && plen <= 128)
                    {
                        // FlowField.PrefixMask(128) yields 0 (UInt128 shifts are taken mod 128), so /128 is special-cased.
                        return plen == 128 ? UInt128.MaxValue : s.Field.PrefixMask(plen);
                    }

                    if (IPAddress.TryParse(t, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 && ip.ScopeId == 0 && t.Contains(':', StringComparison.Ordinal))
                    {
                        return BinaryPrimitives.ReadUInt128BigEndian(ip.GetAddressBytes());
                    }

                    throw c.Error("bad IPv6 address", at);
                }

            default:
                if (isMask)
                {
                    return c.Number(8);
                }

                var w = c.Word();
                return w switch
                {
                    "no" => 0,
                    "first" => FlowKey.FragAny,
                    "later" => KeyAttrs.FragMask,
                    _ => throw c.Error("frag must be no, first or later", at),
                };
        }
    }

    // ------------------------------------------------------------------ actions

    private static DpActions ParseActionList(ref Cursor c, int depth)
    {
        if (depth > 16)
        {
            throw c.Error("actions nested too deeply");
        }

        var save = c.Pos;
        if (c.TryTake("drop") && (c.AtEnd || c.Peek is ')' || c.StartsWith(", dp-extra-info:")))
        {
            return DpActions.Empty;
        }

        c.Pos = save;
        var list = new List<DpAction>();
        do
        {
            list.Add(ParseAction(ref c, depth));
        }
        while (!c.StartsWith(", ") && c.TryTake(","));
        return new DpActions(list);
    }

    private static DpAction ParseAction(ref Cursor c, int depth)
    {
        var at = c.Pos;
        if (c.Peek is >= '0' and <= '9')
        {
            return new OutputAction((uint)c.Number(32));
        }

        var name = c.Word();
        switch (name)
        {
            case "pop_vlan":
                return PopVlanAction.Instance;
            case "ct_clear":
                return CtClearAction.Instance;
            case "drop":
                if (c.TryTake("("))
                {
                    var r = (uint)c.Number(32);
                    c.Expect(")");
                    return new DropAction(r);
                }

                return new DropAction(0);
        }

        c.Expect("(");
        DpAction result;
        switch (name)
        {
            case "recirc":
                result = new RecircAction((uint)c.Number(32));
                break;
            case "trunc":
                result = new TruncAction((uint)c.Number(32));
                break;
            case "meter":
                result = new MeterAction((uint)c.Number(32));
                break;
            case "hash":
                {
                    var wat = c.Pos;
                    var alg = c.Word() switch
                    {
                        "l4" => 0u,
                        "sym_l4" => 1u,
                        _ => throw c.Error("hash algorithm must be l4 or sym_l4", wat),
                    };
                    c.Expect("(");
                    var basis = (uint)c.Number(32);
                    c.Expect(")");
                    result = new HashAction(alg, basis);
                    break;
                }

            case "clone":
                result = new CloneAction(ParseActionList(ref c, depth + 1));
                break;
            case "sample":
                {
                    c.Expect("sample=");
                    var pat = c.Pos;
                    var pct = c.Until("%");
                    if (!double.TryParse(pct, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var p) || p > 100)
                    {
                        throw c.Error("bad sample percentage", pat);
                    }

                    c.Expect("%");
                    var prob = (uint)Math.Round(p / 100.0 * uint.MaxValue);
                    if (c.TryTake(",probability="))
                    {
                        prob = (uint)c.Number(32);
                    }

                    c.Expect(",actions(");
                    var inner = ParseActionList(ref c, depth + 1);
                    c.Expect(")");
                    result = new SampleAction(prob, inner);
                    break;
                }

            case "push_vlan":
                {
                    ushort tpid = KeyAttrs.EthTypeVlan;
                    if (c.TryTake("tpid="))
                    {
                        tpid = (ushort)c.Number(16);
                        c.Expect(",");
                    }

                    c.Expect("vid=");
                    var vid = c.Number(16);
                    c.Expect(",pcp=");
                    var pcp = c.Number(16);
                    var cfi = 1ul;
                    if (c.TryTake(",cfi="))
                    {
                        cfi = c.Number(1);
                    }

                    if (vid > 0xfff || pcp > 7)
                    {
                        throw c.Error("vid or pcp out of range", at);
                    }

                    result = new PushVlanAction(tpid, (ushort)(vid | (pcp << 13) | (cfi << 12)));
                    break;
                }

            case "set":
                {
                    var aat = c.Pos;
                    var an = c.Word();
                    if (!OdpFields.ByName.TryGetValue(an, out var attr) || !KeyAttrs.IsSettable(attr))
                    {
                        throw c.Error("not a settable header", aat);
                    }

                    c.Expect("(");
                    var (k, m) = ParseStruct(ref c, attr);
                    c.Expect(")");
                    result = m == KeyAttrs.FieldsOf(attr) ? new SetAction(attr, k) : new SetMaskedAction(attr, k, m);
                    break;
                }

            case "userspace":
                result = ParseUserspace(ref c);
                break;
            default:
                throw c.Error("unknown action", at);
        }

        c.Expect(")");
        return result;
    }

    private static UserspaceAction ParseUserspace(ref Cursor c)
    {
        c.Expect("pid=");
        var pid = (uint)c.Number(32);
        ByteBlob? userdata = null;
        var actions = false;
        uint? tunOut = null;
        while (c.TryTake(","))
        {
            var at = c.Pos;
            var w = c.Word();
            switch (w)
            {
                case "actions":
                    actions = true;
                    break;
                case "tunnel_out_port":
                    c.Expect("=");
                    tunOut = (uint)c.Number(32);
                    break;
                case "userdata":
                    c.Expect("(");
                    var hat = c.Pos;
                    var hex = c.Until(")");
                    try
                    {
                        userdata = ByteBlob.FromHex(hex);
                    }
                    catch (FormatException e)
                    {
                        throw new OdpParseException("bad userdata hex", hat + 1, Snip(c.Text, hat), e);
                    }

                    c.Expect(")");
                    break;
                case "sFlow" or "slow_path" or "flow_sample" or "ipfix" or "controller":
                    c.Expect("(");
                    userdata = ByteBlob.FromOwned(ParseCookie(ref c, w, at).ToBytes());
                    c.Expect(")");
                    break;
                default:
                    throw c.Error("unknown userspace argument", at);
            }
        }

        return new UserspaceAction(pid, userdata, actions, tunOut);
    }

    private static UserActionCookie ParseCookie(ref Cursor c, string type, int at)
    {
        var kv = new Dictionary<string, (string Value, int At)>(StringComparer.Ordinal);
        var flags = new List<(string Name, int At)>();
        var first = true;
        while (c.Peek != ')')
        {
            if (!first)
            {
                c.Expect(",");
            }

            first = false;
            var kat = c.Pos;
            var k = c.Word();
            if (c.TryTake("="))
            {
                var vat = c.Pos;
                if (!kv.TryAdd(k, (c.Until(",)"), vat)))
                {
                    throw c.Error("duplicate cookie field", kat);
                }
            }
            else
            {
                flags.Add((k, kat));
            }
        }

        var inPort = 0u;
        var uuid = Guid.Empty;
        if (kv.Remove("in_port", out var ip))
        {
            inPort = (uint)Num(c.Text, ip, 32);
        }

        if (kv.Remove("ofproto", out var up))
        {
            if (!Guid.TryParseExact(up.Value, "D", out uuid))
            {
                throw new OdpParseException("bad ofproto uuid", up.At + 1, up.Value);
            }
        }

        var text = c.Text;
        ulong Take(string key, int bits, bool required = true)
        {
            if (kv.Remove(key, out var v))
            {
                return Num(text, v, bits);
            }

            return required ? throw new OdpParseException($"{type} cookie needs {key}", at + 1, type) : 0UL;
        }

        UserActionCookie cookie;
        switch (type)
        {
            case "sFlow":
                {
                    var vid = Take("vid", 12);
                    var pcp = Take("pcp", 3);
                    var cfi = Take("cfi", 1, false);
                    var output = (uint)Take("output", 32);
                    cookie = new SflowCookie(inPort, uuid, (ushort)(vid | (pcp << 13) | (cfi << 12)), output, Take("rule_cookie", 64, false), (SflowCookieFlags)Take("flags", 32, false),
                        (uint)Take("rate", 32, false));
                    break;
                }

            case "slow_path":
                {
                    uint reasons = 0;
                    foreach (var (n, fat) in flags)
                    {
                        var bit = 0u;
                        for (var i = 0; i < 32 && bit == 0; i++)
                        {
                            if (OdpFormatter.SlowPathName(1u << i) == n)
                            {
                                bit = 1u << i;
                            }
                        }

                        if (bit == 0)
                        {
                            throw new OdpParseException("unknown slow-path reason", fat + 1, n);
                        }

                        reasons |= bit;
                    }

                    flags.Clear();
                    cookie = new SlowPathCookie(inPort, uuid, (SlowPathReasons)reasons);
                    break;
                }

            case "flow_sample":
                {
                    var dir = (FlowSampleDirection)Take("direction", 32, false);
                    for (var i = flags.Count - 1; i >= 0; i--)
                    {
                        if (flags[i].Name is "ingress" or "egress")
                        {
                            dir = flags[i].Name == "ingress" ? FlowSampleDirection.Ingress : FlowSampleDirection.Egress;
                            flags.RemoveAt(i);
                        }
                    }

                    cookie = new FlowSampleCookie(inPort, uuid, (ushort)Take("probability", 16), (uint)Take("collector_set_id", 32),
                        (uint)Take("obs_domain_id", 32), (uint)Take("obs_point_id", 32), (uint)Take("output_port", 32), dir);
                    break;
                }

            case "ipfix":
                cookie = new IpfixCookie(inPort, uuid, (uint)Take("output_port", 32));
                break;
            default:
                cookie = new ControllerCookie(inPort, uuid, Take("dont_send", 1) != 0, Take("continuation", 1) != 0, (ushort)Take("reason", 16),
                    (uint)Take("recirc_id", 32), Take("rule_cookie", 64), (ushort)Take("controller_id", 16), (ushort)Take("max_len", 16));
                break;
        }

        foreach (var (k, (v, vat)) in kv)
        {
            throw new OdpParseException($"unknown {type} cookie field '{k}'", vat + 1, v);
        }

        if (flags.Count > 0)
        {
            throw new OdpParseException($"unknown {type} cookie flag", flags[0].At + 1, flags[0].Name);
        }

        return cookie;
    }

    private static ulong Num(string text, (string Value, int At) v, int bits)
    {
        var c = new Cursor(text, v.At, v.At + v.Value.Length);
        var n = c.Number(bits);
        c.ExpectEnd();
        return n;
    }

    private static string Snip(string text, int pos) => pos >= text.Length ? "<end>" : text.Substring(pos, Math.Min(24, text.Length - pos));

    /// <summary>A position in the text, with an end limit and error helpers.</summary>
    private ref struct Cursor
    {
        public Cursor(string text, int pos, int end)
        {
            Text = text;
            Pos = pos;
            End = end;
        }

        public string Text { get; }

        public int Pos { get; set; }

        public int End { get; }

        public readonly bool AtEnd => Pos >= End;

        public readonly char Peek => Pos < End ? Text[Pos] : '\0';

        public readonly bool StartsWith(string s) => End - Pos >= s.Length && string.CompareOrdinal(Text, Pos, s, 0, s.Length) == 0;

        public readonly OdpParseException Error(string reason, int? at = null)
        {
            var p = at ?? Pos;
            return new OdpParseException(reason, p + 1, Snip(Text, p));
        }

        public bool TryTake(string s)
        {
            if (!StartsWith(s))
            {
                return false;
            }

            Pos += s.Length;
            return true;
        }

        public void Expect(string s)
        {
            if (!TryTake(s))
            {
                throw Error($"expected '{s}'");
            }
        }

        public readonly void ExpectEnd()
        {
            if (!AtEnd)
            {
                throw Error("unexpected text");
            }
        }

        public string Word()
        {
            var s = Pos;
            while (Pos < End && (char.IsAsciiLetterOrDigit(Text[Pos]) || Text[Pos] is '_' or '.'))
            {
                Pos++;
            }

            if (Pos == s)
            {
                throw Error("expected a name");
            }

            return Text[s..Pos];
        }

        public string Until(string stops)
        {
            var s = Pos;
            while (Pos < End && stops.IndexOf(Text[Pos], StringComparison.Ordinal) < 0)
            {
                Pos++;
            }

            return Text[s..Pos];
        }

        public ulong Number(int bits)
        {
            var s = Pos;
            ulong v = 0;
            var hex = StartsWith("0x") || StartsWith("0X");
            if (hex)
            {
                Pos += 2;
            }

            var digits = Pos;
            while (Pos < End)
            {
                var d = Text[Pos] switch
                {
                    >= '0' and <= '9' => Text[Pos] - '0',
                    >= 'a' and <= 'f' when hex => Text[Pos] - 'a' + 10,
                    >= 'A' and <= 'F' when hex => Text[Pos] - 'A' + 10,
                    _ => -1,
                };
                if (d < 0)
                {
                    break;
                }

                var next = hex ? (v << 4) | (uint)d : (v * 10) + (uint)d;
                if ((hex && v >> 60 != 0) || (!hex && (v > ulong.MaxValue / 10 || next < v)))
                {
                    throw Error("number overflows 64 bits", s);
                }

                v = next;
                Pos++;
            }

            if (Pos == digits)
            {
                throw Error("expected a number", s);
            }

            if (bits < 64 && v >> bits != 0)
            {
                throw Error($"number wider than {bits} bits", s);
            }

            return v;
        }

        public ulong Mac()
        {
            var s = Pos;
            ulong v = 0;
            for (var i = 0; i < 6; i++)
            {
                if (i > 0 && !TryTake(":"))
                {
                    throw Error("bad Ethernet address", s);
                }

                var b = 0;
                for (var j = 0; j < 2; j++)
                {
                    var ch = Peek;
                    var d = ch switch
                    {
                        >= '0' and <= '9' => ch - '0',
                        >= 'a' and <= 'f' => ch - 'a' + 10,
                        >= 'A' and <= 'F' => ch - 'A' + 10,
                        _ => throw Error("bad Ethernet address", s),
                    };
                    b = (b << 4) | d;
                    Pos++;
                }

                v = (v << 8) | (uint)b;
            }

            return v;
        }
    }
}
