using FsCheck;
using FsCheck.Fluent;
using VSwarm.Messages.Cookies;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Dpif;
using VSwarm.Messages.Flow;

namespace VSwarm.Tests.Unit.Datapath;

/// <summary>
/// Generators for datapath-valid matches, packet keys, actions, cookies and every dpif message.
/// Each generator draws a seed from FsCheck and builds the value with a seeded
/// <see cref="Random"/>, so a failing case is reproducible from its printed value.
/// </summary>
public static class DpGen
{
    public static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(300);

    private static readonly Gen<int> Seed =
        Gen.Zip(Gen.Choose(0, 0x7fff), Gen.Choose(0, 0xffff), (a, b) => (a << 16) | b);

    public static Gen<T> Of<T>(Func<Random, T> build) => Seed.Select(s => build(new Random(s)));

    public static Arbitrary<T> Arb<T>(Func<Random, T> build) => Of(build).ToArbitrary();

    public static Arbitrary<Match> ValidMatches => Arb(ValidMatch);

    public static Arbitrary<FlowKey> PacketKeys => Arb(PacketKey);

    public static Arbitrary<DpActions> ActionLists => Arb(r => Actions(r, 0));

    public static Arbitrary<UserActionCookie> Cookies => Arb(Cookie);

    // ------------------------------------------------------------------ primitives

    public static ulong Bits(Random r, int bits) => bits >= 64 ? (ulong)r.NextInt64() ^ ((ulong)r.Next(2) << 63) : (ulong)r.NextInt64() & ((1UL << bits) - 1);

    public static UInt128 Bits128(Random r) => new(Bits(r, 64), Bits(r, 64));

    public static uint U32(Random r) => (uint)Bits(r, 32);

    public static ushort U16(Random r) => (ushort)Bits(r, 16);

    public static byte U8(Random r) => (byte)r.Next(256);

    /// <summary>A mask for a field: wildcard, exact, a CIDR prefix, or random bits.</summary>
    public static UInt128 MaskFor(Random r, FlowField f, UInt128? limit = null)
    {
        var all = limit ?? f.AllOnes;
        var v = r.Next(6) switch
        {
            0 or 1 => UInt128.Zero,
            2 or 3 => all,
            4 => f.PrefixMask(r.Next(f.Bits + 1)),
            _ => f.Bits == 128 ? Bits128(r) : (UInt128)Bits(r, f.Bits),
        };
        return v & all;
    }

    private static void Field(Random r, ref FlowKey k, ref FlowMask m, FlowField f, UInt128? limit = null)
    {
        var value = f.Bits == 128 ? Bits128(r) : (UInt128)Bits(r, f.Bits);
        k.Set(f, value & (limit ?? f.AllOnes));
        m.Set(f, MaskFor(r, f, limit));
    }

    private static ushort DlType(Random r) => r.Next(8) switch
    {
        0 or 1 => KeyAttrs.EthTypeIpv4,
        2 or 3 => KeyAttrs.EthTypeIpv6,
        4 => KeyAttrs.EthTypeArp,
        5 => KeyAttrs.EthTypeRarp,
        6 => KeyAttrs.DlTypeNone,
        _ => (ushort)r.Next(0x0600, 0x8000),
    };

    private static byte Proto(Random r, bool v6) => r.Next(6) switch
    {
        0 => KeyAttrs.ProtoTcp,
        1 => KeyAttrs.ProtoUdp,
        2 => KeyAttrs.ProtoSctp,
        3 => v6 ? KeyAttrs.ProtoIcmpv6 : KeyAttrs.ProtoIcmp,
        4 => v6 ? KeyAttrs.ProtoIcmp : KeyAttrs.ProtoIcmpv6,
        _ => U8(r),
    };

    private static byte Frag(Random r) => r.Next(3) switch
    {
        0 => 0,
        1 => FlowKey.FragAny,
        _ => KeyAttrs.FragMask,
    };

    // ------------------------------------------------------------------ matches and keys

    /// <summary>A datapath-valid match (see OdpKeyCodec's remarks).</summary>
    public static Match ValidMatch(Random r)
    {
        var k = default(FlowKey);
        var m = default(FlowMask);
        Field(r, ref k, ref m, FlowFields.RecircId);
        Field(r, ref k, ref m, FlowFields.InPort);
        Field(r, ref k, ref m, FlowFields.DlSrc);
        Field(r, ref k, ref m, FlowFields.DlDst);
        k.DlType = DlType(r);
        m.Unwildcard(FlowFields.DlType);
        if (r.Next(3) == 0)
        {
            k.VlanTci = (ushort)(U16(r) | FlowKey.VlanCfi);
            m.Set(FlowFields.VlanTci, (ushort)(r.Next(3) switch { 0 => 0xffff, 1 => 0, _ => U16(r) } | FlowKey.VlanCfi));
        }

        var l3 = OdpKeyCodec.L3Of(k.DlType);
        if (l3 is OvsKeyAttr.Ipv4 or OvsKeyAttr.Ipv6)
        {
            var v6 = l3 == OvsKeyAttr.Ipv6;
            if (v6)
            {
                Field(r, ref k, ref m, FlowFields.Ipv6Src);
                Field(r, ref k, ref m, FlowFields.Ipv6Dst);
                Field(r, ref k, ref m, FlowFields.Ipv6Label, KeyAttrs.Ipv6LabelMask);
            }
            else
            {
                Field(r, ref k, ref m, FlowFields.NwSrc);
                Field(r, ref k, ref m, FlowFields.NwDst);
            }

            Field(r, ref k, ref m, FlowFields.NwTos);
            Field(r, ref k, ref m, FlowFields.NwTtl);
            k.NwProto = Proto(r, v6);
            m.Set(FlowFields.NwProto, r.Next(4) == 0 ? MaskFor(r, FlowFields.NwProto) : 0xff);
            if (r.Next(3) > 0)
            {
                k.NwFrag = r.Next(4) == 0 ? KeyAttrs.FragMask : Frag(r);
                m.Set(FlowFields.NwFrag, KeyAttrs.FragMask);
            }

            var l4 = m.IsExact(FlowFields.NwProto) ? OdpKeyCodec.L4Of(l3, k.NwProto, k.NwFrag) : OvsKeyAttr.Unspec;
            switch (l4)
            {
                case OvsKeyAttr.Tcp or OvsKeyAttr.Udp or OvsKeyAttr.Sctp:
                    Field(r, ref k, ref m, FlowFields.TpSrc);
                    Field(r, ref k, ref m, FlowFields.TpDst);
                    if (l4 == OvsKeyAttr.Tcp)
                    {
                        Field(r, ref k, ref m, FlowFields.TcpFlags, KeyAttrs.TcpFlagsMask);
                    }

                    break;
                case OvsKeyAttr.Icmp or OvsKeyAttr.Icmpv6:
                    var nd = l4 == OvsKeyAttr.Icmpv6 && r.Next(2) == 0;
                    if (nd)
                    {
                        k.TpSrc = r.Next(2) == 0 ? KeyAttrs.NdSolicit : KeyAttrs.NdAdvert;
                        k.TpDst = 0;
                        m.Set(FlowFields.TpSrc, 0xff);
                        m.Set(FlowFields.TpDst, 0xff);
                        Field(r, ref k, ref m, FlowFields.NdTarget);
                        Field(r, ref k, ref m, FlowFields.ArpSha);
                        Field(r, ref k, ref m, FlowFields.ArpTha);
                    }
                    else
                    {
                        Field(r, ref k, ref m, FlowFields.TpSrc, 0xff);
                        Field(r, ref k, ref m, FlowFields.TpDst, 0xff);
                    }

                    break;
            }
        }
        else if (l3 == OvsKeyAttr.Arp)
        {
            Field(r, ref k, ref m, FlowFields.NwSrc);
            Field(r, ref k, ref m, FlowFields.NwDst);
            Field(r, ref k, ref m, FlowFields.NwProto);
            Field(r, ref k, ref m, FlowFields.ArpSha);
            Field(r, ref k, ref m, FlowFields.ArpTha);
        }

        return new Match(k, m);
    }

    /// <summary>A packet key: every field its attributes carry is set, the rest is zero.</summary>
    public static FlowKey PacketKey(Random r)
    {
        var k = default(FlowKey);
        foreach (var f in FlowFields.All)
        {
            k.Set(f, f.Bits == 128 ? Bits128(r) : (UInt128)Bits(r, f.Bits));
        }

        k.DlType = DlType(r);
        k.VlanTci = r.Next(3) == 0 ? (ushort)(U16(r) | FlowKey.VlanCfi) : (ushort)0;
        var v6 = k.DlType == KeyAttrs.EthTypeIpv6;
        k.NwProto = Proto(r, v6);
        k.NwFrag = Frag(r);
        k.Ipv6Label &= KeyAttrs.Ipv6LabelMask;
        k.TcpFlags &= KeyAttrs.TcpFlagsMask;
        if (k.NwProto is KeyAttrs.ProtoIcmp or KeyAttrs.ProtoIcmpv6)
        {
            k.TpSrc = r.Next(2) == 0 ? (ushort)r.Next(KeyAttrs.NdSolicit, KeyAttrs.NdAdvert + 1) : U8(r);
            k.TpDst = r.Next(2) == 0 ? (ushort)0 : U8(r);
        }

        return k.Masked(OdpKeyCodec.PacketMask(k));
    }

    // ------------------------------------------------------------------ actions and cookies

    private static readonly OvsKeyAttr[] Settable =
    [
        OvsKeyAttr.Ethernet, OvsKeyAttr.Ipv4, OvsKeyAttr.Ipv6, OvsKeyAttr.Tcp, OvsKeyAttr.Udp, OvsKeyAttr.Sctp,
        OvsKeyAttr.Icmp, OvsKeyAttr.Icmpv6, OvsKeyAttr.Arp, OvsKeyAttr.Nd,
    ];

    private static FlowKey SetValue(Random r)
    {
        var k = default(FlowKey);
        foreach (var f in FlowFields.All)
        {
            k.Set(f, f.Bits == 128 ? Bits128(r) : (UInt128)Bits(r, f.Bits));
        }

        k.NwFrag = Frag(r);
        k.Ipv6Label &= KeyAttrs.Ipv6LabelMask;
        return k;
    }

    public static DpAction Action(Random r, int depth)
    {
        switch (r.Next(depth < 3 ? 15 : 13))
        {
            case 0 or 1:
                return new OutputAction(r.Next(4) == 0 ? U32(r) : (uint)r.Next(1, 100));
            case 2:
                return Userspace(r, depth);
            case 3:
                var attr = Settable[r.Next(Settable.Length)];
                return new SetAction(attr, SetValue(r));
            case 4:
                var a = Settable[r.Next(Settable.Length)];
                var mask = default(FlowMask);
                foreach (var f in FlowFields.All)
                {
                    mask.Set(f, MaskFor(r, f));
                }

                mask.Set(FlowFields.NwFrag, r.Next(2) == 0 ? UInt128.Zero : KeyAttrs.FragMask);
                mask.Set(FlowFields.Ipv6Label, mask.Get(FlowFields.Ipv6Label) & KeyAttrs.Ipv6LabelMask);
                return new SetMaskedAction(a, SetValue(r), mask);
            case 5:
                return new PushVlanAction(r.Next(2) == 0 ? KeyAttrs.EthTypeVlan : KeyAttrs.EthTypeQinQ, (ushort)(U16(r) | FlowKey.VlanCfi));
            case 6:
                return PopVlanAction.Instance;
            case 7:
                return new RecircAction(U32(r));
            case 8:
                return new HashAction((uint)r.Next(2), U32(r));
            case 9:
                return new TruncAction(U32(r));
            case 10:
                return new MeterAction(U32(r));
            case 11:
                return r.Next(2) == 0 ? CtClearAction.Instance : new DropAction((uint)r.Next(20));
            case 12:
                return new OutputAction(1);
            case 13:
                return new SampleAction(r.Next(3) switch { 0 => uint.MaxValue, 1 => 10737418, _ => U32(r) }, Actions(r, depth + 1));
            default:
                return new CloneAction(Actions(r, depth + 1));
        }
    }

    public static UserspaceAction Userspace(Random r, int depth)
    {
        ByteBlob? ud = r.Next(4) switch
        {
            0 => null,
            1 => new ByteBlob(RandomBytes(r, r.Next(0, 64))),
            _ => new ByteBlob(Cookie(r).ToBytes()),
        };
        _ = depth;
        return new UserspaceAction(r.Next(5) == 0 ? UserspaceAction.PidAny : (uint)r.Next(0, 5000), ud, r.Next(2) == 0,
            r.Next(4) == 0 ? U32(r) : null);
    }

    public static DpActions Actions(Random r, int depth)
    {
        var n = r.Next(depth == 0 ? 5 : 3);
        var list = new List<DpAction>();
        for (var i = 0; i < n; i++)
        {
            list.Add(Action(r, depth));
        }

        return new DpActions(list);
    }

    public static byte[] RandomBytes(Random r, int n)
    {
        var b = new byte[n];
        r.NextBytes(b);
        return b;
    }

    public static Guid Uuid(Random r) => new(RandomBytes(r, 16));

    public static UserActionCookie Cookie(Random r)
    {
        var port = r.Next(3) == 0 ? UserActionCookie.PortNone : U32(r);
        var uuid = Uuid(r);
        return r.Next(5) switch
        {
            0 => new SflowCookie(port, uuid, U16(r), U32(r), r.Next(2) == 0 ? 0 : Bits(r, 64), (SflowCookieFlags)r.Next(4), r.Next(2) == 0 ? 0 : U32(r)),
            1 => new SlowPathCookie(port, uuid, (SlowPathReasons)r.Next(1, 128)),
            2 => new FlowSampleCookie(port, uuid, U16(r), U32(r), U32(r), U32(r), r.Next(2) == 0 ? FlowSampleCookie.OdpPortNone : U32(r), (FlowSampleDirection)r.Next(3)),
            3 => new IpfixCookie(port, uuid, r.Next(2) == 0 ? 0xFFFFFFFF : U32(r)),
            _ => new ControllerCookie(port, uuid, r.Next(2) == 0, r.Next(2) == 0, U16(r), U32(r), Bits(r, 64), U16(r), U16(r)),
        };
    }

    // ------------------------------------------------------------------ dpif messages

    public static Ufid? MaybeUfid(Random r) => r.Next(3) == 0 ? null : new Ufid(Bits128(r));

    public static FlowStats Stats(Random r) => r.Next(4) == 0
        ? FlowStats.Zero
        : new FlowStats(Bits(r, r.Next(1, 64)), Bits(r, r.Next(1, 64)), r.Next(3) == 0 ? null : Bits(r, 40), (ushort)(r.Next(2) == 0 ? r.Next(256) : r.Next(0x1000)));

    public static DatapathFlow Flow(Random r) => r.Next(4) == 0
        ? new DatapathFlow(Match.CatchAll, DpActions.Empty, Stats(r), new Ufid(Bits128(r)), Terse: true)
        : new DatapathFlow(ValidMatch(r), Actions(r, 0), Stats(r), MaybeUfid(r));

    public static DpifUpcall Upcall(Random r)
    {
        var action = r.Next(2) == 0;
        return new DpifUpcall(action ? DpifUpcallType.Action : DpifUpcallType.Miss, new ByteBlob(RandomBytes(r, r.Next(14, 200))), PacketKey(r),
            MaybeUfid(r), action ? (r.Next(4) == 0 ? new ByteBlob(RandomBytes(r, r.Next(0, 60))) : new ByteBlob(Cookie(r).ToBytes())) : null,
            r.Next(2) == 0 ? Bits(r, 64) : null, r.Next(3) == 0 ? U16(r) : null, action && r.Next(2) == 0 ? Actions(r, 0) : null, r.Next(3));
    }

    public static DpifFlowPut FlowPut(Random r)
    {
        var flags = (FlowPutFlags)r.Next(1, 4) | (FlowPutFlags)(r.Next(4) << 2);
        return new DpifFlowPut(flags, ValidMatch(r), Actions(r, 0), MaybeUfid(r), r.Next(3));
    }

    public static DpifFlowDel FlowDel(Random r)
    {
        var ufid = MaybeUfid(r);
        var terse = r.Next(2) == 0;
        FlowKey? key = ufid is null || (!terse && r.Next(2) == 0) ? PacketKey(r) : null;
        return new DpifFlowDel(key, ufid, terse, r.Next(3));
    }

    public static DpifFlowGet FlowGet(Random r)
    {
        var ufid = MaybeUfid(r);
        FlowKey? key = ufid is null || r.Next(2) == 0 ? PacketKey(r) : null;
        return new DpifFlowGet(key, ufid, r.Next(3));
    }

    public static DpifFlowDumpRequest DumpRequest(Random r) =>
        new(r.Next(2) == 0, (uint)r.Next(0, 200), r.Next(2) == 0 ? 0 : Bits(r, 64), r.Next(3));

    public static DpifFlowDumpBatch DumpBatch(Random r)
    {
        var flows = Enumerable.Range(0, r.Next(4)).Select(_ => Flow(r)).ToList();
        var done = r.Next(2) == 0;
        return new DpifFlowDumpBatch(flows, done, done ? 0 : Bits(r, 64));
    }

    public static DpifExecute Execute(Random r)
    {
        var meta = default(FlowKey);
        meta.InPort = U32(r);
        meta.RecircId = r.Next(2) == 0 ? 0 : U32(r);
        return new DpifExecute(new ByteBlob(RandomBytes(r, r.Next(14, 200))), meta, Actions(r, 0), r.Next(2) == 0,
            r.Next(3) == 0 ? U16(r) : null, r.Next(3) == 0 ? Bits(r, 64) : null, r.Next(3) == 0 ? U32(r) : null, r.Next(3));
    }

    public static DpifReply Reply(Random r) => r.Next(4) switch
    {
        0 => new DpifReply(),
        1 => new DpifReply(new[] { DpifErrno.ENOENT, DpifErrno.EEXIST, DpifErrno.EFBIG, DpifErrno.EINVAL, DpifErrno.ENOSPC }[r.Next(5)]),
        2 => new DpifReply(0, Stats(r)),
        _ => new DpifReply(0, null, Flow(r)),
    };

    public static DpifMessage Message(Random r) => r.Next(8) switch
    {
        0 => Upcall(r),
        1 => FlowPut(r),
        2 => FlowDel(r),
        3 => FlowGet(r),
        4 => DumpRequest(r),
        5 => DumpBatch(r),
        6 => Execute(r),
        _ => Reply(r),
    };
}
