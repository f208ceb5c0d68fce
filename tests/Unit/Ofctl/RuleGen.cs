using VSwarm.Messages.Cookies;
using FsCheck;
using FsCheck.Fluent;
using VSwarm.Messages.Flow;
using VSwarm.Messages.OpenFlow;

namespace VSwarm.Tests.Unit.Ofctl;

/// <summary>
/// Generators of random valid OpenFlow rules: every match is one ovs-ofctl can express (fields
/// with their prerequisites, masks only where the syntax allows them) and every action has valid
/// parameters. A rule is built from a seed, so a failing case is reproducible from its seed.
/// </summary>
public static class RuleGen
{
    /// <summary>Random valid rules.</summary>
    public static Gen<OpenFlowRule> Rules { get; } = Gen.Choose(0, int.MaxValue).Select(seed => Build(new Random(seed)));

    /// <summary>Arbitrary for Prop.ForAll.</summary>
    public static Arbitrary<OpenFlowRule> RuleArb { get; } = Arb.From(Rules);

    /// <summary>Random valid matches.</summary>
    public static Gen<Match> Matches { get; } = Gen.Choose(0, int.MaxValue).Select(seed => BuildMatch(new Random(seed)));

    /// <summary>Random valid action lists.</summary>
    public static Gen<OfActionList> ActionLists { get; } = Gen.Choose(0, int.MaxValue).Select(seed => BuildActions(new Random(seed)));

    /// <summary>Builds one random rule from a random source.</summary>
    public static OpenFlowRule Build(Random r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var cookie = r.Next(3) == 0 ? 0UL : U64(r);
        return new OpenFlowRule
        {
            Table = (byte)(r.Next(3) == 0 ? 0 : r.Next(255)),
            Priority = (ushort)(r.Next(4) == 0 ? OpenFlowRule.DefaultPriority : r.Next(65536)),
            Cookie = cookie,
            CookieMask = r.Next(6) == 0 ? U64(r) | 1 : 0,
            IdleTimeout = (ushort)(r.Next(2) == 0 ? 0 : r.Next(65536)),
            HardTimeout = (ushort)(r.Next(2) == 0 ? 0 : r.Next(65536)),
            Match = BuildMatch(r),
            Actions = BuildActions(r),
        };
    }

    private static ulong U64(Random r) => (ulong)r.NextInt64() ^ ((ulong)r.Next() << 40);

    private static UInt128 U128(Random r) => new(U64(r), U64(r));

    private static bool P(Random r, int percent) => r.Next(100) < percent;

    private static UInt128 AnyMask(Random r, FlowField f, int bits) => r.Next(3) switch
    {
        0 => bits == 128 ? UInt128.MaxValue : (UInt128.One << bits) - 1,
        1 => f.PrefixMask(r.Next(bits + 1)) & ((bits == 128 ? UInt128.MaxValue : (UInt128.One << bits) - 1) << (f.Bits - bits)),
        _ => U128(r) & (bits == 128 ? UInt128.MaxValue : (UInt128.One << bits) - 1),
    };

    private static void Set(ref FlowKey k, ref FlowMask m, FlowField f, UInt128 v, UInt128 mask)
    {
        k.Set(f, v & mask);
        m.Set(f, mask);
    }

    private static void SetMasked(Random r, ref FlowKey k, ref FlowMask m, FlowField f, int bits)
    {
        var mask = AnyMask(r, f, bits);
        if (mask == 0)
        {
            mask = UInt128.One;
        }

        Set(ref k, ref m, f, U128(r), mask);
    }

    /// <summary>Builds one random match ovs-ofctl can express.</summary>
    public static Match BuildMatch(Random r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var k = default(FlowKey);
        var m = default(FlowMask);
        if (P(r, 10))
        {
            Set(ref k, ref m, FlowFields.RecircId, (uint)r.Next(4), uint.MaxValue);
        }

        if (P(r, 50))
        {
            Set(ref k, ref m, FlowFields.InPort, (uint)r.Next(65536), uint.MaxValue);
        }

        if (P(r, 20))
        {
            SetMasked(r, ref k, ref m, FlowFields.Metadata, 64);
        }

        for (var i = 0; i < 8; i++)
        {
            if (P(r, 8))
            {
                SetMasked(r, ref k, ref m, FlowFields.Regs[i], 32);
            }
        }

        if (P(r, 25))
        {
            SetMasked(r, ref k, ref m, FlowFields.DlSrc, 48);
        }

        if (P(r, 25))
        {
            SetMasked(r, ref k, ref m, FlowFields.DlDst, 48);
        }

        switch (r.Next(6))
        {
            case 0: Set(ref k, ref m, FlowFields.VlanTci, (uint)(0x1000 | r.Next(4096)), 0x1fff); break;
            case 1: Set(ref k, ref m, FlowFields.VlanTci, (uint)(0x1000 | (r.Next(8) << 13)), 0xf000); break;
            case 2: Set(ref k, ref m, FlowFields.VlanTci, (uint)(0x1000 | r.Next(65536)), 0xffff); break;
            case 3: Set(ref k, ref m, FlowFields.VlanTci, 0, 0xffff); break;
            case 4: Set(ref k, ref m, FlowFields.VlanTci, (uint)r.Next(65536), (uint)r.Next(1, 65536)); break;
            default: break;
        }

        string[] kinds = ["none", "ip", "ipv6", "arp", "rarp", "tcp", "udp", "sctp", "icmp", "tcp6", "udp6", "sctp6", "icmp6", "nd", "other", "ipproto", "ip6proto", "igmp"];
        var kind = kinds[r.Next(kinds.Length)];
        var (dl, proto) = kind switch
        {
            "ip" => ((ushort)0x0800, (byte?)null),
            "ipv6" => ((ushort)0x86dd, (byte?)null),
            "arp" => ((ushort)0x0806, (byte?)null),
            "rarp" => ((ushort)0x8035, (byte?)null),
            "tcp" => ((ushort)0x0800, (byte?)6),
            "udp" => ((ushort)0x0800, (byte?)17),
            "sctp" => ((ushort)0x0800, (byte?)132),
            "icmp" => ((ushort)0x0800, (byte?)1),
            "igmp" => ((ushort)0x0800, (byte?)2),
            "tcp6" => ((ushort)0x86dd, (byte?)6),
            "udp6" => ((ushort)0x86dd, (byte?)17),
            "sctp6" => ((ushort)0x86dd, (byte?)132),
            "icmp6" or "nd" => ((ushort)0x86dd, (byte?)58),
            "other" => ((ushort)r.Next(0x0600, 0x10000), (byte?)null),
            "ipproto" => ((ushort)0x0800, (byte?)(new[] { 0, 47, 50, 89, 255 })[r.Next(5)]),
            "ip6proto" => ((ushort)0x86dd, (byte?)(new[] { 0, 47, 50, 89, 255 })[r.Next(5)]),
            _ => ((ushort)0, (byte?)null),
        };
        if (kind == "other" && dl is 0x0800 or 0x86dd or 0x0806 or 0x8035)
        {
            dl = 0x88cc;
        }

        if (kind != "none")
        {
            Set(ref k, ref m, FlowFields.DlType, dl, 0xffff);
        }

        if (proto is byte pr)
        {
            Set(ref k, ref m, FlowFields.NwProto, pr, 0xff);
        }

        var ip4 = dl == 0x0800;
        var ip6 = dl == 0x86dd;
        var arp = dl is 0x0806 or 0x8035;
        if (ip4 || arp)
        {
            if (P(r, 50))
            {
                SetMasked(r, ref k, ref m, FlowFields.NwSrc, 32);
            }

            if (P(r, 50))
            {
                SetMasked(r, ref k, ref m, FlowFields.NwDst, 32);
            }
        }

        if (ip6)
        {
            if (P(r, 50))
            {
                SetMasked(r, ref k, ref m, FlowFields.Ipv6Src, 128);
            }

            if (P(r, 50))
            {
                SetMasked(r, ref k, ref m, FlowFields.Ipv6Dst, 128);
            }

            if (P(r, 30))
            {
                var lm = (uint)r.Next(1, 0x100000);
                Set(ref k, ref m, FlowFields.Ipv6Label, (uint)r.Next(0x100000), P(r, 50) ? 0xfffffu : lm);
            }
        }

        if (arp)
        {
            if (P(r, 40))
            {
                Set(ref k, ref m, FlowFields.NwProto, (uint)r.Next(256), 0xff);
            }

            if (P(r, 40))
            {
                SetMasked(r, ref k, ref m, FlowFields.ArpSha, 48);
            }

            if (P(r, 40))
            {
                SetMasked(r, ref k, ref m, FlowFields.ArpTha, 48);
            }
        }

        if (ip4 || ip6)
        {
            if (P(r, 30))
            {
                Set(ref k, ref m, FlowFields.NwTos, (uint)r.Next(256), 0xfc);
            }

            if (P(r, 30))
            {
                var mm = m.Get(FlowFields.NwTos);
                k.Set(FlowFields.NwTos, k.Get(FlowFields.NwTos) | (uint)r.Next(4));
                m.Set(FlowFields.NwTos, mm | 0x03);
            }

            if (P(r, 30))
            {
                Set(ref k, ref m, FlowFields.NwTtl, (uint)r.Next(256), 0xff);
            }

            if (P(r, 40))
            {
                (uint fv, uint fm) = r.Next(5) switch { 0 => (0u, 3u), 1 => (1u, 3u), 2 => (3u, 3u), 3 => (1u, 1u), _ => (0u, 2u) };
                Set(ref k, ref m, FlowFields.NwFrag, fv, fm);
            }
        }

        if (proto is 6 or 17 or 132)
        {
            if (P(r, 50))
            {
                SetMasked(r, ref k, ref m, FlowFields.TpSrc, 16);
            }

            if (P(r, 50))
            {
                SetMasked(r, ref k, ref m, FlowFields.TpDst, 16);
            }

            if (proto == 6 && P(r, 40))
            {
                var fm = (uint)(P(r, 50) ? 0x0fff : r.Next(1, 0x1000));
                Set(ref k, ref m, FlowFields.TcpFlags, (uint)r.Next(0x1000), fm);
            }
        }

        if (proto is 1 || kind == "icmp6")
        {
            if (P(r, 50))
            {
                Set(ref k, ref m, FlowFields.TpSrc, (uint)r.Next(256), P(r, 60) ? 0xffffu : (uint)r.Next(1, 0x10000));
            }

            if (P(r, 50))
            {
                Set(ref k, ref m, FlowFields.TpDst, (uint)r.Next(256), P(r, 60) ? 0xffffu : (uint)r.Next(1, 0x10000));
            }
        }

        if (kind == "nd")
        {
            var type = r.Next(2) == 0 ? 135u : 136u;
            Set(ref k, ref m, FlowFields.TpSrc, type, 0xffff);
            if (P(r, 50))
            {
                Set(ref k, ref m, FlowFields.TpDst, 0, 0xffff);
            }

            if (P(r, 60))
            {
                SetMasked(r, ref k, ref m, FlowFields.NdTarget, 128);
            }

            if (P(r, 50))
            {
                SetMasked(r, ref k, ref m, type == 135 ? FlowFields.ArpSha : FlowFields.ArpTha, 48);
            }
        }

        return new Match(k, m);
    }

    /// <summary>Builds a random valid action list (empty = drop).</summary>
    public static OfActionList BuildActions(Random r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var n = r.Next(6);
        var list = new List<OfAction>();
        for (var i = 0; i < n; i++)
        {
            list.Add(BuildAction(r));
        }

        return OfActionList.From(list);
    }

    private static readonly OfField[] SettableFields = [.. OfFields.All];

    private static FieldSlice Slice(Random r, OfField f, int? bits = null)
    {
        if (bits is int b)
        {
            var off = r.Next(f.Bits - b + 1);
            return new FieldSlice(f, off, b);
        }

        if (P(r, 30))
        {
            return FieldSlice.Whole(f);
        }

        var lo = r.Next(f.Bits);
        var hi = r.Next(lo, f.Bits);
        return new FieldSlice(f, lo, hi - lo + 1);
    }

    private static OfAction BuildAction(Random r)
    {
        switch (r.Next(16))
        {
            case 0: return new OutputAction((ushort)(P(r, 80) ? r.Next(0xff00) : r.Next(65536)));
            case 1: return new OutputAction((ushort)(OfPorts.InPort + r.Next(8)));
            case 2: return new ControllerAction((ushort)r.Next(65536));
            case 3: return new GotoTableAction((byte)r.Next(255));
            case 4:
                {
                    ushort? port = P(r, 50) ? null : (ushort)r.Next(65536);
                    if (port == OfPorts.InPort)
                    {
                        port = null;
                    }

                    byte? table = P(r, 30) && port is not null ? null : (byte)r.Next(255);
                    return new ResubmitAction(port, table);
                }

            case 5:
                {
                    var f = SettableFields[r.Next(SettableFields.Length)];
                    var v = U128(r) & f.AllOnes;
                    if (f.Format == OfFieldFormat.Port)
                    {
                        return new SetFieldAction(f, v & 0xffff);
                    }

                    if (P(r, 50))
                    {
                        return new SetFieldAction(f, v);
                    }

                    var mask = U128(r) & f.AllOnes;
                    if (f.Format is OfFieldFormat.Ipv4 or OfFieldFormat.Ipv6 && P(r, 50))
                    {
                        mask = f.Storage.PrefixMask(r.Next(f.Bits + 1));
                    }

                    return mask == f.AllOnes ? new SetFieldAction(f, v) : new SetFieldAction(f, v & mask, mask);
                }

            case 6:
                {
                    var kind = (ModField)r.Next(9);
                    ulong v = kind switch
                    {
                        ModField.DlSrc or ModField.DlDst => U64(r) & 0xffff_ffff_ffff,
                        ModField.NwSrc or ModField.NwDst => (uint)U64(r),
                        ModField.NwTos => (ulong)r.Next(64) << 2,
                        ModField.TpSrc or ModField.TpDst => (ulong)r.Next(65536),
                        ModField.VlanVid => (ulong)r.Next(4096),
                        _ => (ulong)r.Next(8),
                    };
                    return new ModAction(kind, v);
                }

            case 7: return new PopVlanAction();
            case 8: return new PushVlanAction(P(r, 50) ? (ushort)0x8100 : (ushort)0x88a8);
            case 9: return new DecTtlAction();
            case 10:
            case 11:
                {
                    var dst = Slice(r, OfFields.All[r.Next(OfFields.All.Count)]);
                    var max = dst.Bits == 128 ? UInt128.MaxValue : (UInt128.One << dst.Bits) - 1;
                    return new LoadAction(U128(r) & max, dst);
                }

            case 12:
            case 13:
                {
                    var src = Slice(r, OfFields.All[r.Next(OfFields.All.Count)]);
                    var candidates = OfFields.All.Where(f => f.Bits >= src.Bits).ToArray();
                    var dstField = candidates[r.Next(candidates.Length)];
                    return new MoveAction(src, Slice(r, dstField, src.Bits));
                }

            case 14:
                return new SampleAction((ushort)r.Next(1, 65536), (uint)U64(r), (uint)U64(r), (uint)U64(r),
                    r.Next(3) == 0 ? null : (ushort)r.Next(1, 100), (FlowSampleDirection)r.Next(3));
            default: return new OutputAction((ushort)r.Next(100));
        }
    }
}
