using System.Globalization;
using System.Net;
using VSwarm.Actors.Classifier;
using VSwarm.Messages.Flow;

namespace VSwarm.Tests.Unit.Classifier;

/// <summary>
/// A small test-only reader of the OpenFlow match syntax used by ovs-ofctl rules, ofproto/trace
/// packets and "Megaflow:" lines — just the fields the classifier vectors use. It is not the
/// project's ofctl parser (that lives in Messages/Ofctl and is someone else's).
/// </summary>
internal static class OfText
{
    public const ushort Ipv4 = 0x0800;
    public const ushort Ipv6 = 0x86DD;
    public const ushort Arp = 0x0806;

    /// <summary>Parses "k=v,k=v" into a match (megaflow or rule); priority=/actions= are returned apart.</summary>
    public static Match Parse(string text, out int priority, out string actions)
    {
        var key = default(FlowKey);
        var mask = default(FlowMask);
        priority = 32768;
        actions = "";
        foreach (var raw in SplitTop(text))
        {
            var part = raw.Trim();
            if (part.Length == 0)
            {
                continue;
            }

            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? "" : part[(eq + 1)..];
            switch (name)
            {
                case "priority":
                    priority = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "actions":
                    actions = value;
                    break;
                case "eth":
                    break;
                case "ip":
                    Exact(ref key, ref mask, FlowFields.DlType, Ipv4);
                    break;
                case "ipv6":
                    Exact(ref key, ref mask, FlowFields.DlType, Ipv6);
                    break;
                case "arp":
                    Exact(ref key, ref mask, FlowFields.DlType, Arp);
                    break;
                case "tcp" or "udp" or "icmp":
                    Exact(ref key, ref mask, FlowFields.DlType, Ipv4);
                    Exact(ref key, ref mask, FlowFields.NwProto, name switch { "tcp" => 6, "udp" => 17, _ => 1 });
                    break;
                case "tcp6" or "udp6" or "icmp6":
                    Exact(ref key, ref mask, FlowFields.DlType, Ipv6);
                    Exact(ref key, ref mask, FlowFields.NwProto, name switch { "tcp6" => 6, "udp6" => 17, _ => 58 });
                    break;
                case "in_port" or "recirc_id" or "nw_ttl" or "nw_proto" or "arp_op" or "nw_tos" or "dl_type" or "metadata":
                    var f = name switch
                    {
                        "in_port" => FlowFields.InPort,
                        "recirc_id" => FlowFields.RecircId,
                        "nw_ttl" => FlowFields.NwTtl,
                        "nw_tos" => FlowFields.NwTos,
                        "dl_type" => FlowFields.DlType,
                        "metadata" => FlowFields.Metadata,
                        _ => FlowFields.NwProto,
                    };
                    Masked(ref key, ref mask, f, value);
                    break;
                case "dl_vlan":
                    Exact(ref key, ref mask, FlowFields.VlanTci, FlowKey.VlanCfi | ulong.Parse(value, CultureInfo.InvariantCulture));
                    mask.Set(FlowFields.VlanTci, 0x1fff);
                    break;
                case "vlan_tci":
                    Masked(ref key, ref mask, FlowFields.VlanTci, value);
                    break;
                case "tp_src" or "tp_dst" or "udp_src" or "udp_dst" or "tcp_src" or "tcp_dst":
                    Masked(ref key, ref mask, name.EndsWith("src", StringComparison.Ordinal) ? FlowFields.TpSrc : FlowFields.TpDst, value);
                    break;
                case "icmp_type" or "icmp_code" or "icmpv6_type" or "icmpv6_code":
                    // 8-bit ICMP fields live in the low byte of tp_src/tp_dst.
                    var icmp = name.EndsWith("type", StringComparison.Ordinal) ? FlowFields.TpSrc : FlowFields.TpDst;
                    var (iv, im) = Number(value, 0xff);
                    key.Set(icmp, iv & im);
                    mask.Unwildcard(icmp, im & 0xff);
                    break;
                case "nw_src" or "nw_dst" or "arp_spa" or "arp_tpa":
                    Ipv4Prefix(ref key, ref mask, name is "nw_src" or "arp_spa" ? FlowFields.NwSrc : FlowFields.NwDst, value);
                    break;
                case "ipv6_src" or "ipv6_dst" or "nd_target":
                    Ipv6Prefix(ref key, ref mask, name switch { "ipv6_src" => FlowFields.Ipv6Src, "ipv6_dst" => FlowFields.Ipv6Dst, _ => FlowFields.NdTarget }, value);
                    break;
                case "dl_src" or "dl_dst":
                    Exact(ref key, ref mask, name == "dl_src" ? FlowFields.DlSrc : FlowFields.DlDst, Mac(value));
                    break;
                case "nw_frag":
                    // Megaflow rendering: no|first|later with both bits masked.
                    Exact(ref key, ref mask, FlowFields.NwFrag, value switch { "no" => 0, "first" => FlowKey.FragAny, _ => FlowKey.FragAny | FlowKey.FragLater });
                    mask.Set(FlowFields.NwFrag, FlowKey.FragAny | FlowKey.FragLater);
                    break;
                case "tcp_flags":
                    TcpFlags(ref key, ref mask, value);
                    break;
                default:
                    throw new FormatException($"OfText: unsupported field '{name}' in '{text}'");
            }
        }

        return new Match(key, mask);
    }

    /// <summary>Parses a rule line "priority=P,match,actions=A" into a classifier rule whose payload is the actions.</summary>
    public static ClassifierRule<string> Rule(string text, ulong version = 0)
    {
        var m = Parse(text, out var priority, out var actions);
        return new ClassifierRule<string>(m, priority, actions, version);
    }

    /// <summary>Parses a packet in trace syntax: the values of the mentioned fields, everything else 0.</summary>
    public static FlowKey Packet(string text) => Parse(text, out _, out _).Key;

    /// <summary>
    /// The mask translation starts from before the first table lookup (xlate_wc_init): recirc_id,
    /// in_port and dl_type exact, plus nw_frag ANY|LATER for IP packets.
    /// </summary>
    public static FlowMask InitialWildcards(in FlowKey packet)
    {
        var wc = default(FlowMask);
        wc.Unwildcard(FlowFields.RecircId);
        wc.Unwildcard(FlowFields.InPort);
        wc.Unwildcard(FlowFields.DlType);
        if (packet.DlType is Ipv4 or Ipv6)
        {
            wc.Set(FlowFields.NwFrag, FlowKey.FragAny | FlowKey.FragLater);
        }

        return wc;
    }

    private static string[] SplitTop(string text) => text.Split(',');

    private static void Exact(ref FlowKey key, ref FlowMask mask, FlowField f, ulong value)
    {
        key.Set(f, value);
        mask.Unwildcard(f);
    }

    private static void Masked(ref FlowKey key, ref FlowMask mask, FlowField f, string value)
    {
        var (v, m) = Number(value, (ulong)f.AllOnes);
        key.Set(f, v & m);
        mask.Unwildcard(f, m);
    }

    private static (ulong Value, ulong Mask) Number(string text, ulong all)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (ParseNum(text), all) : (ParseNum(text[..slash]), ParseNum(text[(slash + 1)..]));
    }

    private static ulong ParseNum(string s) => s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
        ? ulong.Parse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
        : ulong.Parse(s, CultureInfo.InvariantCulture);

    private static void Ipv4Prefix(ref FlowKey key, ref FlowMask mask, FlowField f, string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addr = Ipv4Value(slash < 0 ? text : text[..slash]);
        ulong m = 0xFFFF_FFFF;
        if (slash >= 0)
        {
            var rest = text[(slash + 1)..];
            m = rest.Contains('.', StringComparison.Ordinal) ? Ipv4Value(rest) : (ulong)f.PrefixMask(int.Parse(rest, CultureInfo.InvariantCulture));
        }

        key.Set(f, addr & m);
        mask.Unwildcard(f, m);
    }

    private static void Ipv6Prefix(ref FlowKey key, ref FlowMask mask, FlowField f, string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addr = Ipv6Value(slash < 0 ? text : text[..slash]);
        var m = slash < 0 ? UInt128.MaxValue : f.PrefixMask(int.Parse(text[(slash + 1)..], CultureInfo.InvariantCulture));
        key.Set(f, addr & m);
        mask.Unwildcard(f, m);
    }

    public static uint Ipv4Value(string dotted)
    {
        var b = IPAddress.Parse(dotted).GetAddressBytes();
        return (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    }

    public static UInt128 Ipv6Value(string text)
    {
        var b = IPAddress.Parse(text).GetAddressBytes();
        UInt128 v = 0;
        foreach (var x in b)
        {
            v = (v << 8) | x;
        }

        return v;
    }

    private static ulong Mac(string text)
    {
        ulong v = 0;
        foreach (var p in text.Split(':'))
        {
            v = (v << 8) | byte.Parse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }

        return v;
    }

    private static void TcpFlags(ref FlowKey key, ref FlowMask mask, string text)
    {
        if (!text.StartsWith('+') && !text.StartsWith('-'))
        {
            Masked(ref key, ref mask, FlowFields.TcpFlags, text);
            return;
        }

        string[] names = ["fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns"];
        var i = 0;
        ulong v = key.TcpFlags, m = (ulong)mask.Get(FlowFields.TcpFlags);
        while (i < text.Length)
        {
            var plus = text[i] == '+';
            var j = i + 1;
            while (j < text.Length && text[j] != '+' && text[j] != '-')
            {
                j++;
            }

            var bit = 1UL << Array.IndexOf(names, text[(i + 1)..j]);
            m |= bit;
            v = plus ? v | bit : v & ~bit;
            i = j;
        }

        key.Set(FlowFields.TcpFlags, v);
        mask.Set(FlowFields.TcpFlags, m);
    }
}
