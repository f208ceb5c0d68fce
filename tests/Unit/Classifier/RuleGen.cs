using FsCheck;
using FsCheck.Fluent;
using VSwarm.Actors.Classifier;
using VSwarm.Messages.Flow;

namespace VSwarm.Tests.Unit.Classifier;

/// <summary>A generated scenario: rules and packets drawn near them, reproducible from its seed.</summary>
internal sealed record Scenario(int Seed, int RuleCount, bool DistinctPriorities)
{
    public override string ToString() => $"Scenario(seed={Seed}, rules={RuleCount}, distinct={DistinctPriorities})";
}

/// <summary>
/// Random rule sets over a small alphabet of values so that matches collide: in_port, dl_type,
/// vlan, nw_src/nw_dst prefixes (and an occasional non-CIDR mask), nw_proto, nw_tos, masked
/// tp_src/tp_dst, tcp_flags bits, ipv6 prefixes, metadata/registers. Packets are rule corners:
/// a rule's key with its wildcarded fields drawn from the alphabet, sometimes nudged by one bit.
/// FsCheck draws the seed and sizes; the construction is deterministic from them so a failing case
/// prints a reproducible seed.
/// </summary>
internal static class RuleGen
{
    private static readonly uint[] Ipv4Pool =
    [
        0x0A000000, 0x0A010000, 0x0A010203, 0x0A01020F, 0x0A010300, 0xC0A80000, 0xC0A80101, 0x0B000001, 0x08080808, 0xAC100001,
    ];

    private static readonly int[] Ipv4Lens = [0, 1, 7, 8, 13, 15, 16, 17, 24, 31, 32];

    private static readonly UInt128[] Ipv6Pool =
    [
        OfText.Ipv6Value("2001:db8::"), OfText.Ipv6Value("2001:db8:1::1"), OfText.Ipv6Value("2001:db8:1:2::"),
        OfText.Ipv6Value("fe80::1"), OfText.Ipv6Value("fe80::2"), OfText.Ipv6Value("1000::1"),
    ];

    private static readonly int[] Ipv6Lens = [0, 1, 16, 32, 33, 48, 64, 65, 100, 127, 128];
    private static readonly ushort[] Ports = [0, 22, 53, 79, 80, 95, 443, 1024, 8080, 8088, 65535];
    private static readonly ushort[] PortMasks = [0xffff, 0xffff, 0xfff0, 0xfff8, 0xff00, 0xfffe, 0xfc00, 0x00ff, 0xc000];
    private static readonly ushort[] DlTypes = [OfText.Ipv4, OfText.Ipv4, OfText.Ipv6, OfText.Arp];
    private static readonly byte[] Protos = [6, 6, 17, 1, 58];

    public static Arbitrary<Scenario> Scenarios(int maxRules = 40) =>
        Gen.Choose(1, int.MaxValue - 1)
            .SelectMany(seed => Gen.Choose(1, maxRules)
                .SelectMany(n => Gen.Elements(true, false).Select(d => new Scenario(seed, n, d))))
            .ToArbitrary();

    public static List<ClassifierRule<int>> Rules(Scenario s, Random rng)
    {
        var rules = new List<ClassifierRule<int>>();
        var prios = new[] { 0, 10, 20, 30, 40 };
        for (var i = 0; i < s.RuleCount; i++)
        {
            var priority = s.DistinctPriorities ? 1000 - i * 7 : prios[rng.Next(prios.Length)];
            rules.Add(new ClassifierRule<int>(RandomMatch(rng), priority, i));
        }

        rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rules));
        return rules;
    }

    public static Match RandomMatch(Random rng)
    {
        var key = default(FlowKey);
        var mask = default(FlowMask);
        void Set(FlowField f, UInt128 v, UInt128 m)
        {
            key.Set(f, v & m);
            mask.Set(f, m);
        }

        bool P(double p) => rng.NextDouble() < p;

        if (P(0.6))
        {
            Set(FlowFields.InPort, (uint)rng.Next(1, 4), uint.MaxValue);
        }

        if (P(0.1))
        {
            Set(FlowFields.Metadata, (ulong)rng.Next(2), ulong.MaxValue);
        }

        if (P(0.1))
        {
            Set(FlowFields.Regs[0], (ulong)rng.Next(2), uint.MaxValue);
        }

        if (P(0.15))
        {
            Set(FlowFields.VlanTci, FlowKey.VlanCfi | (uint)rng.Next(5, 7), P(0.5) ? 0x1fffu : 0x1000u);
        }

        if (!P(0.8))
        {
            return new Match(key, mask);
        }

        var dlType = DlTypes[rng.Next(DlTypes.Length)];
        Set(FlowFields.DlType, dlType, 0xffff);
        if (dlType == OfText.Arp)
        {
            if (P(0.5))
            {
                Set(FlowFields.NwSrc, Ipv4Pool[rng.Next(Ipv4Pool.Length)], FlowFields.NwSrc.PrefixMask(Ipv4Lens[rng.Next(Ipv4Lens.Length)]));
            }

            if (P(0.3))
            {
                Set(FlowFields.NwProto, (ulong)rng.Next(1, 3), 0xff);
            }

            return new Match(key, mask);
        }

        if (dlType == OfText.Ipv4)
        {
            foreach (var f in new[] { FlowFields.NwSrc, FlowFields.NwDst })
            {
                if (P(0.6))
                {
                    var m = P(0.05) ? (UInt128)0xFF00FF00u : f.PrefixMask(Ipv4Lens[rng.Next(Ipv4Lens.Length)]);
                    Set(f, Ipv4Pool[rng.Next(Ipv4Pool.Length)], m);
                }
            }
        }
        else
        {
            foreach (var f in new[] { FlowFields.Ipv6Src, FlowFields.Ipv6Dst })
            {
                if (P(0.6))
                {
                    Set(f, Ipv6Pool[rng.Next(Ipv6Pool.Length)], f.PrefixMask(Ipv6Lens[rng.Next(Ipv6Lens.Length)]));
                }
            }
        }

        if (P(0.15))
        {
            Set(FlowFields.NwTos, (ulong)rng.Next(2) * 0x20, 0xfc);
        }

        if (P(0.1))
        {
            Set(FlowFields.NwFrag, (ulong)rng.Next(3), 0x3);
        }

        if (!P(0.7))
        {
            return new Match(key, mask);
        }

        var proto = Protos[rng.Next(Protos.Length)];
        Set(FlowFields.NwProto, proto, 0xff);
        if (P(0.5))
        {
            Set(FlowFields.TpDst, Ports[rng.Next(Ports.Length)], PortMasks[rng.Next(PortMasks.Length)]);
        }

        if (P(0.3))
        {
            Set(FlowFields.TpSrc, Ports[rng.Next(Ports.Length)], PortMasks[rng.Next(PortMasks.Length)]);
        }

        if (proto == 6 && P(0.2))
        {
            Set(FlowFields.TcpFlags, (ulong)rng.Next(0x20), (ulong)(0x008 | (rng.Next(2) * 0x012)));
        }

        if (proto == 58 && P(0.2))
        {
            Set(FlowFields.NdTarget, Ipv6Pool[rng.Next(Ipv6Pool.Length)], UInt128.MaxValue);
        }

        return new Match(key, mask);
    }

    /// <summary>A packet near a rule: its key, wildcarded fields drawn from the alphabet, sometimes one bit flipped.</summary>
    public static FlowKey PacketNear(IReadOnlyList<ClassifierRule<int>> rules, Random rng)
    {
        var p = RandomPacket(rng);
        if (rules.Count > 0 && rng.NextDouble() < 0.85)
        {
            var r = rules[rng.Next(rules.Count)].Match;
            var pw = p.Words;
            var kw = r.Key.ReadOnlyWords;
            var mw = r.Mask.ReadOnlyWords;
            for (var i = 0; i < FlowLayout.Words; i++)
            {
                pw[i] = (pw[i] & ~mw[i]) | kw[i];
            }

            if (rng.NextDouble() < 0.3)
            {
                var f = FlowFields.All[rng.Next(FlowFields.All.Count)];
                var bit = rng.Next(f.Bits);
                p.Set(f, p.Get(f) ^ (UInt128.One << bit));
            }
        }

        return p;
    }

    public static FlowKey RandomPacket(Random rng)
    {
        var p = default(FlowKey);
        p.InPort = (uint)rng.Next(1, 5);
        p.Metadata = (ulong)rng.Next(2);
        p.SetReg(0, (uint)rng.Next(2));
        p.VlanTci = rng.Next(3) == 0 ? (ushort)0 : (ushort)(FlowKey.VlanCfi | rng.Next(5, 8));
        p.DlSrc = 0x505400000005;
        p.DlDst = 0x505400000007;
        p.DlType = DlTypes[rng.Next(DlTypes.Length)];
        p.NwSrc = Ipv4Pool[rng.Next(Ipv4Pool.Length)] | (uint)rng.Next(4);
        p.NwDst = Ipv4Pool[rng.Next(Ipv4Pool.Length)] | (uint)rng.Next(4);
        p.Ipv6Src = Ipv6Pool[rng.Next(Ipv6Pool.Length)];
        p.Ipv6Dst = Ipv6Pool[rng.Next(Ipv6Pool.Length)];
        p.NwProto = Protos[rng.Next(Protos.Length)];
        p.NwTos = (byte)(rng.Next(2) * 0x20);
        p.NwTtl = 64;
        p.NwFrag = (byte)(rng.Next(4) == 0 ? rng.Next(1, 4) : 0);
        p.TpSrc = (ushort)(Ports[rng.Next(Ports.Length)] + rng.Next(-1, 2));
        p.TpDst = (ushort)(Ports[rng.Next(Ports.Length)] + rng.Next(-1, 2));
        p.TcpFlags = (ushort)rng.Next(0x20);
        p.NdTarget = Ipv6Pool[rng.Next(Ipv6Pool.Length)];
        return p;
    }

    /// <summary>A packet equal to <paramref name="p"/> on <paramref name="mask"/>, random on every other field bit.</summary>
    public static FlowKey Randomise(in FlowKey p, in FlowMask mask, Random rng)
    {
        var q = p;
        var qw = q.Words;
        var m = mask.ReadOnlyWords;
        var exact = FlowMask.Exact.ReadOnlyWords;
        for (var i = 0; i < FlowLayout.Words; i++)
        {
            var free = exact[i] & ~m[i];
            qw[i] = (qw[i] & ~free) | ((ulong)rng.NextInt64() & free);
        }

        return q;
    }

    /// <summary>Like <see cref="Randomise"/> but each free field either keeps, takes an alphabet value or gets random bits.</summary>
    public static FlowKey Perturb(in FlowKey p, in FlowMask mask, Random rng)
    {
        var q = rng.Next(2) == 0 ? RandomPacket(rng) : Randomise(p, mask, rng);
        var qw = q.Words;
        var pw = p.ReadOnlyWords;
        var m = mask.ReadOnlyWords;
        for (var i = 0; i < FlowLayout.Words; i++)
        {
            qw[i] = (qw[i] & ~m[i]) | (pw[i] & m[i]);
        }

        return q;
    }
}
