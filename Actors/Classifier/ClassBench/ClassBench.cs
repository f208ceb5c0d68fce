using System.Globalization;
using VSwarm.Messages.Flow;

namespace VSwarm.Actors.Classifier.ClassBench;

/// <summary>One ClassBench 5-tuple filter (plus the optional TCP-flags field of the standard format).</summary>
public sealed record ClassBenchRule(
    uint Src, int SrcLen, uint Dst, int DstLen,
    ushort SrcPortLo, ushort SrcPortHi, ushort DstPortLo, ushort DstPortHi,
    byte Proto, byte ProtoMask, ushort Flags, ushort FlagsMask)
{
    /// <summary>ClassBench semantics: does the header match this filter?</summary>
    public bool Matches(in ClassBenchPacket p) =>
        Prefix(p.Src, SrcLen) == Src && Prefix(p.Dst, DstLen) == Dst
        && p.SrcPort >= SrcPortLo && p.SrcPort <= SrcPortHi
        && p.DstPort >= DstPortLo && p.DstPort <= DstPortHi
        && (p.Proto & ProtoMask) == (Proto & ProtoMask)
        && (p.Flags & FlagsMask) == (Flags & FlagsMask);

    internal static uint Prefix(uint v, int len) => len == 0 ? 0 : v & (uint.MaxValue << (32 - len));
}

/// <summary>One trace header; <see cref="Match"/> is the trace's last column (Song: 1-based first match; standard: 0-based generating filter).</summary>
public readonly record struct ClassBenchPacket(uint Src, uint Dst, ushort SrcPort, ushort DstPort, byte Proto, ushort Flags, int Match)
{
    /// <summary>The header as a flow key: IPv4, in_port 1, the 5-tuple and TCP flags.</summary>
    public FlowKey ToFlowKey()
    {
        var k = default(FlowKey);
        k.InPort = 1;
        k.DlType = EtherType.Ipv4;
        k.NwSrc = Src;
        k.NwDst = Dst;
        k.NwProto = Proto;
        k.NwTtl = 64;
        k.TpSrc = SrcPort;
        k.TpDst = DstPort;
        k.TcpFlags = Flags;
        return k;
    }
}

/// <summary>
/// Reads ClassBench filter sets and traces in both formats (Song "@a/l b/l lo : hi lo : hi
/// 0xPP/0xMM" and the standard db_generator format with a flags field and tabs), and converts
/// filters to OpenFlow-style matches the way the project's OVS golden files were made: rule i of N
/// gets priority N − i; ip; nw_src/nw_dst unless /0; nw_proto unless wildcard; port ranges split
/// into the minimal set of aligned power-of-two blocks, cross product of source and destination
/// blocks at the rule's priority.
/// </summary>
public static class ClassBenchReader
{
    /// <summary>Parses a filter set (either format). Blank lines are skipped.</summary>
    public static IReadOnlyList<ClassBenchRule> ReadRules(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rules = new List<ClassBenchRule>();
        var n = 0;
        while (reader.ReadLine() is { } line)
        {
            n++;
            var t = line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (t.Length == 0)
            {
                continue;
            }

            if (t.Length < 9 || !t[0].StartsWith('@') || t[3] != ":" || t[6] != ":")
            {
                throw new FormatException($"ClassBench rule line {n}: '{line}'");
            }

            var (src, srcLen) = Cidr(t[0][1..]);
            var (dst, dstLen) = Cidr(t[1]);
            var (proto, protoMask) = HexPair(t[8]);
            var (flags, flagsMask) = t.Length > 9 && t[9].StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? HexPair(t[9]) : (0u, 0u);
            rules.Add(new ClassBenchRule(
                src, srcLen, dst, dstLen,
                ushort.Parse(t[2], CultureInfo.InvariantCulture), ushort.Parse(t[4], CultureInfo.InvariantCulture),
                ushort.Parse(t[5], CultureInfo.InvariantCulture), ushort.Parse(t[7], CultureInfo.InvariantCulture),
                (byte)proto, (byte)protoMask, (ushort)flags, (ushort)flagsMask));
        }

        return rules;
    }

    /// <summary>Parses a trace: "SA DA SP DP PROTO [FLAGS] [EXT...] MATCH" (spaces or tabs).</summary>
    public static IReadOnlyList<ClassBenchPacket> ReadTrace(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var packets = new List<ClassBenchPacket>();
        while (reader.ReadLine() is { } line)
        {
            var t = line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (t.Length < 6)
            {
                continue;
            }

            uint U(int i) => uint.Parse(t[i], CultureInfo.InvariantCulture);
            var flags = t.Length >= 7 ? (ushort)U(5) : (ushort)0;
            packets.Add(new ClassBenchPacket(U(0), U(1), (ushort)U(2), (ushort)U(3), (byte)U(4), flags, int.Parse(t[^1], CultureInfo.InvariantCulture)));
        }

        return packets;
    }

    /// <summary>The minimal set of aligned power-of-two blocks (value, mask) covering [lo, hi].</summary>
    public static IReadOnlyList<(ushort Value, ushort Mask)> RangeToMasks(ushort lo, ushort hi)
    {
        var blocks = new List<(ushort, ushort)>();
        if (lo > hi)
        {
            return blocks;
        }

        var x = (uint)lo;
        while (x <= hi)
        {
            // Largest block aligned at x that stays within hi.
            var size = x == 0 ? 1u << 16 : x & (~x + 1);
            while (x + size - 1 > hi)
            {
                size >>= 1;
            }

            blocks.Add(((ushort)x, (ushort)~(size - 1)));
            x += size;
        }

        return blocks;
    }

    /// <summary>The OpenFlow matches of a filter (several when port ranges need several blocks).</summary>
    public static IEnumerable<Match> ToMatches(ClassBenchRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var key = default(FlowKey);
        var mask = default(FlowMask);
        key.DlType = EtherType.Ipv4;
        mask.Unwildcard(FlowFields.DlType);
        if (rule.SrcLen > 0)
        {
            key.NwSrc = rule.Src;
            mask.UnwildcardPrefix(FlowFields.NwSrc, rule.SrcLen);
        }

        if (rule.DstLen > 0)
        {
            key.NwDst = rule.Dst;
            mask.UnwildcardPrefix(FlowFields.NwDst, rule.DstLen);
        }

        if (rule.ProtoMask != 0)
        {
            key.NwProto = (byte)(rule.Proto & rule.ProtoMask);
            mask.Unwildcard(FlowFields.NwProto, rule.ProtoMask);
        }

        if (rule.FlagsMask != 0)
        {
            key.TcpFlags = (ushort)(rule.Flags & rule.FlagsMask);
            mask.Unwildcard(FlowFields.TcpFlags, rule.FlagsMask);
        }

        foreach (var (sv, sm) in RangeToMasks(rule.SrcPortLo, rule.SrcPortHi))
        {
            foreach (var (dv, dm) in RangeToMasks(rule.DstPortLo, rule.DstPortHi))
            {
                var k = key;
                var m = mask;
                k.TpSrc = sv;
                m.Set(FlowFields.TpSrc, sm);
                k.TpDst = dv;
                m.Set(FlowFields.TpDst, dm);
                yield return new Match(k, m);
            }
        }
    }

    /// <summary>
    /// Classifier rules for a filter set: filter i of N (0-based) at priority N − i with payload i
    /// (so payload + 1 is the Song trace's 1-based MATCH column).
    /// </summary>
    public static List<ClassifierRule<int>> ToClassifierRules(IReadOnlyList<ClassBenchRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var list = new List<ClassifierRule<int>>();
        for (var i = 0; i < rules.Count; i++)
        {
            foreach (var m in ToMatches(rules[i]))
            {
                list.Add(new ClassifierRule<int>(m, rules.Count - i, i));
            }
        }

        return list;
    }

    private static (uint Addr, int Len) Cidr(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var parts = text[..slash].Split('.');
        uint a = 0;
        foreach (var p in parts)
        {
            a = (a << 8) | byte.Parse(p, CultureInfo.InvariantCulture);
        }

        var len = int.Parse(text[(slash + 1)..], CultureInfo.InvariantCulture);
        return (ClassBenchRule.Prefix(a, len), len);
    }

    private static (uint Value, uint Mask) HexPair(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        static uint Hex(string s) => uint.Parse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return (Hex(text[..slash]), Hex(text[(slash + 1)..]));
    }
}
