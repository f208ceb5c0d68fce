using FsCheck;
using FsCheck.Fluent;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Packets;

namespace VSwarm.Tests.Unit.Packets;

/// <summary>
/// Reusable FsCheck generators for flow keys, masks and frames. Canonical keys (see
/// <see cref="PacketBuilder.IsCanonical"/>) are the ones a real packet carries, so
/// <c>PacketParser.Extract(PacketBuilder.Build(k), k.InPort) == k</c> holds for each of them.
/// </summary>
public static class FlowGen
{
    /// <summary>Any byte.</summary>
    public static Gen<byte> U8 { get; } = Gen.Choose(0, 0xFF).Select(i => (byte)i);

    /// <summary>Any 16-bit value, with 0 and 0xFFFF more often than by chance.</summary>
    public static Gen<ushort> U16 { get; } = Gen.Frequency(
        (1, Gen.Constant((ushort)0)), (1, Gen.Constant(ushort.MaxValue)), (8, Gen.Choose(0, 0xFFFF).Select(i => (ushort)i)));

    /// <summary>Any 32-bit value.</summary>
    public static Gen<uint> U32 { get; } = Gen.Frequency(
        (1, Gen.Constant(0u)), (1, Gen.Constant(uint.MaxValue)),
        (8, Gen.Zip(Gen.Choose(0, 0xFFFF), Gen.Choose(0, 0xFFFF), (a, b) => ((uint)a << 16) | (uint)b)));

    /// <summary>Any 64-bit value.</summary>
    public static Gen<ulong> U64 { get; } = Gen.Zip(U32, U32, (a, b) => ((ulong)a << 32) | b);

    /// <summary>Any 48-bit value (an Ethernet address).</summary>
    public static Gen<ulong> Mac { get; } = U64.Select(v => v >> 16);

    /// <summary>Any 128-bit value (an IPv6 address).</summary>
    public static Gen<UInt128> U128 { get; } = Gen.Zip(U64, U64, (a, b) => new UInt128(a, b));

    /// <summary>A 48-bit value that is often 0 (an optional ND link-layer address).</summary>
    public static Gen<ulong> OptionalMac { get; } = Gen.Frequency((1, Gen.Constant(0UL)), (2, Mac));

    /// <summary>A VLAN TCI as the key holds it: 0 (untagged) or any TCI with CFI set.</summary>
    public static Gen<ushort> VlanTci { get; } = Gen.Frequency(
        (2, Gen.Constant((ushort)0)), (1, U16.Select(t => (ushort)(t | FlowKey.VlanCfi))));

    /// <summary>Fragment bits of a canonical IP key: none, first fragment, later fragment.</summary>
    public static Gen<byte> NwFrag { get; } = Gen.Frequency(
        (4, Gen.Constant((byte)0)), (1, Gen.Constant(FlowKey.FragAny)), (1, Gen.Constant((byte)(FlowKey.FragAny | FlowKey.FragLater))));

    /// <summary>A canonical key of any protocol.</summary>
    public static Gen<FlowKey> CanonicalKey() => Gen.Frequency(
        (1, OtherEthernetKey()), (1, ArpKey()), (4, Ipv4Key()), (4, Ipv6Key()));

    /// <summary>A canonical key with an Ethertype the parser does not look into, or 802.2 (0x05ff).</summary>
    public static Gen<FlowKey> OtherEthernetKey() =>
        L2(Gen.Frequency(
            (1, Gen.Constant(PacketParser.DlTypeNone)),
            (1, Gen.Elements<ushort>(0x88cc, 0x8847, 0x88e5, 0x0842, 0x9000)),
            (3, Gen.Choose(PacketParser.EthTypeMin, 0xFFFF).Select(i => (ushort)i)
                .Where(t => t is not (PacketParser.EthTypeIpv4 or PacketParser.EthTypeIpv6 or PacketParser.EthTypeArp
                    or PacketParser.EthTypeRarp or PacketParser.TpidVlan or PacketParser.TpidQinQ)))));

    /// <summary>A canonical ARP or RARP key (opcode ≤ 255 in nw_proto).</summary>
    public static Gen<FlowKey> ArpKey() =>
        from k in L2(Gen.Frequency((4, Gen.Constant(PacketParser.EthTypeArp)), (1, Gen.Constant(PacketParser.EthTypeRarp))))
        from op in Gen.Frequency((3, Gen.Elements<byte>(1, 2)), (1, U8))
        from spa in U32
        from tpa in U32
        from sha in Mac
        from tha in Mac
        select With(k, (ref FlowKey x) =>
        {
            x.NwProto = op;
            x.NwSrc = spa;
            x.NwDst = tpa;
            x.ArpSha = sha;
            x.ArpTha = tha;
        });

    /// <summary>A canonical IPv4 key: TCP, UDP, SCTP, ICMP or another protocol, fragments included.</summary>
    public static Gen<FlowKey> Ipv4Key() =>
        from k in L2(Gen.Constant(PacketParser.EthTypeIpv4))
        from src in U32
        from dst in U32
        from tos in U8
        from ttl in U8
        from frag in NwFrag
        from l4 in L4(ipv6: false)
        select With(k, (ref FlowKey x) =>
        {
            x.NwSrc = src;
            x.NwDst = dst;
            x.NwTos = tos;
            x.NwTtl = ttl;
            x.NwFrag = frag;
            l4.Apply(ref x, later: (frag & FlowKey.FragLater) != 0, ipv6: false);
        });

    /// <summary>A canonical IPv6 key: TCP, UDP, SCTP, ICMPv6 (with ND) or another protocol, fragments included.</summary>
    public static Gen<FlowKey> Ipv6Key() =>
        from k in L2(Gen.Constant(PacketParser.EthTypeIpv6))
        from src in U128
        from dst in U128
        from label in Gen.Choose(0, 0xF_FFFF)
        from tos in U8
        from ttl in U8
        from frag in NwFrag
        from l4 in L4(ipv6: true)
        select With(k, (ref FlowKey x) =>
        {
            x.Ipv6Src = src;
            x.Ipv6Dst = dst;
            x.Ipv6Label = (uint)label;
            x.NwTos = tos;
            x.NwTtl = ttl;
            x.NwFrag = frag;
            l4.Apply(ref x, later: (frag & FlowKey.FragLater) != 0, ipv6: true);
        });

    /// <summary>A canonical ICMPv6 neighbour solicitation or advertisement key (unfragmented).</summary>
    public static Gen<FlowKey> NdKey() =>
        Ipv6Key().SelectMany(k => Nd.Select(l4 => With(k, (ref FlowKey x) =>
        {
            x.NwFrag = 0;
            l4.Apply(ref x, later: false, ipv6: true);
        })));

    /// <summary>Frame shaping options that must not change the extracted key.</summary>
    public static Gen<PacketBuildOptions> BuildOptions() =>
        from payload in Gen.Frequency((2, Gen.Constant(0)), (2, Gen.Choose(1, 64)), (1, Gen.Choose(65, 1500)))
        from ext in Gen.Choose(0, 7)
        from tpid in Gen.Elements<ushort>(0, PacketParser.TpidVlan, PacketParser.TpidQinQ)
        from noPad in Gen.Elements(false, true)
        select new PacketBuildOptions
        {
            PayloadLength = payload,
            Ipv6Extensions = (Ipv6ExtensionHeaders)ext,
            VlanTpid = tpid,
            NoPadding = noPad,
        };

    /// <summary>A key with arbitrary words (not necessarily canonical); word values are often 0 or small.</summary>
    public static Gen<FlowKey> AnyKey() =>
        Gen.ArrayOf(Word, FlowLayout.Words - 1).Select(ws =>
        {
            var k = default(FlowKey);
            ws.CopyTo(k.Words);
            return k;
        });

    /// <summary><paramref name="key"/> with 0 to 3 of its fields changed to random values.</summary>
    public static Gen<FlowKey> Variant(FlowKey key) =>
        from n in Gen.Choose(0, 3)
        from edits in Gen.ArrayOf(Gen.Zip(Gen.Elements<FlowField>(FlowFields.All), U128), n)
        select With(key, (ref FlowKey x) =>
        {
            foreach (var (f, v) in edits)
            {
                x.Set(f, v);
            }
        });

    /// <summary>Two keys that differ in at most three fields.</summary>
    public static Gen<(FlowKey A, FlowKey B)> KeyPair() =>
        from a in Gen.Frequency((1, AnyKey()), (1, CanonicalKey()))
        from b in Variant(a)
        select (a, b);

    /// <summary>
    /// A mask built field by field: each field wildcarded, exact, a CIDR prefix or random bits.
    /// The padding word is never matched.
    /// </summary>
    public static Gen<FlowMask> Mask() =>
        Gen.CollectToArray(FlowFields.All, FieldMask).Select(bits =>
        {
            var m = default(FlowMask);
            for (var i = 0; i < bits.Length; i++)
            {
                m.Set(FlowFields.All[i], bits[i]);
            }

            return m;
        });

    /// <summary>An arbitrary (with no shrinking) of canonical keys.</summary>
    public static Arbitrary<FlowKey> CanonicalKeyArb() => Arb.From(CanonicalKey());

    /// <summary>Sets fields of a copy of a key.</summary>
    public delegate void KeyEdit(ref FlowKey key);

    /// <summary>A copy of <paramref name="key"/> changed by <paramref name="edit"/>.</summary>
    public static FlowKey With(FlowKey key, KeyEdit edit)
    {
        ArgumentNullException.ThrowIfNull(edit);
        edit(ref key);
        return key;
    }

    private static Gen<ulong> Word { get; } = Gen.Frequency(
        (2, Gen.Constant(0UL)), (1, Gen.Choose(0, 3).Select(i => (ulong)i)), (3, U64));

    private static Gen<UInt128> FieldMask(FlowField f) => Gen.Frequency(
        (8, Gen.Constant(UInt128.Zero)),
        (4, Gen.Constant(f.AllOnes)),
        (2, Gen.Choose(0, f.Bits).Select(f.PrefixMask)),
        (1, U128.Select(v => v & f.AllOnes)));

    private static Gen<FlowKey> L2(Gen<ushort> dlType) =>
        from inPort in Gen.Frequency((1, Gen.Constant(0u)), (3, Gen.Choose(1, 64).Select(i => (uint)i)), (1, U32))
        from dst in Mac
        from src in Mac
        from tci in VlanTci
        from type in dlType
        select With(default, (ref FlowKey x) =>
        {
            x.InPort = inPort;
            x.DlDst = dst;
            x.DlSrc = src;
            x.VlanTci = tci;
            x.DlType = type;
        });

    private static Gen<L4Fields> Ports(byte proto) =>
        Gen.Zip(U16, U16, (s, d) => new L4Fields(proto, s, d, 0, UInt128.Zero, 0, 0));

    private static Gen<L4Fields> Icmp(byte proto) =>
        Gen.Zip(U8, U8, (t, c) => new L4Fields(proto, t, c, 0, UInt128.Zero, 0, 0));

    private static Gen<L4Fields> Nd =>
        from type in Gen.Elements(PacketParser.NdNeighborSolicit, PacketParser.NdNeighborAdvert)
        from target in U128
        from sll in OptionalMac
        from tll in OptionalMac
        select new L4Fields(PacketParser.ProtoIcmpv6, type, 0, 0, target, sll, tll);

    private static Gen<L4Fields> L4(bool ipv6)
    {
        var choices = new List<(int, Gen<L4Fields>)>
        {
            (4, from p in Ports(PacketParser.ProtoTcp)
                from flags in Gen.Choose(0, 0xFFF)
                select p with { TcpFlags = (ushort)flags }),
            (3, Ports(PacketParser.ProtoUdp)),
            (1, Ports(PacketParser.ProtoSctp)),
            (2, ipv6 ? Icmp(PacketParser.ProtoIcmpv6) : Icmp(PacketParser.ProtoIcmp)),
            (1, U8.Where(p => !ipv6 || p is not (PacketParser.ProtoHopByHop or PacketParser.ProtoRouting
                    or PacketParser.ProtoFragment or PacketParser.ProtoAh or PacketParser.ProtoDestOpts))
                .Select(p => new L4Fields(p, 0, 0, 0, UInt128.Zero, 0, 0))),
        };
        if (ipv6)
        {
            choices.Add((2, Nd));
        }

        return Gen.Frequency(choices);
    }

    /// <summary>The L4 part of a canonical IP key.</summary>
    private readonly record struct L4Fields(byte Proto, ushort TpSrc, ushort TpDst, ushort TcpFlags, UInt128 NdTarget, ulong Sll, ulong Tll)
    {
        public void Apply(ref FlowKey x, bool later, bool ipv6)
        {
            if (later)
            {
                // A later fragment carries no L4; OVS reports an IPv6 one with proto 44.
                x.NwProto = ipv6 ? PacketParser.ProtoFragment : Proto;
                return;
            }

            x.NwProto = Proto;
            x.TpSrc = TpSrc;
            x.TpDst = TpDst;
            x.TcpFlags = TcpFlags;
            x.NdTarget = NdTarget;
            x.ArpSha = Sll;
            x.ArpTha = Tll;
        }
    }
}
