using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using VSwarm.Messages.Flow;
using static VSwarm.Messages.Packets.PacketParser;

namespace VSwarm.Messages.Packets;

/// <summary>
/// Builds a valid Ethernet frame that carries a <see cref="FlowKey"/>, so that
/// <c>PacketParser.Extract(Build(k), k.InPort) == k</c> for every canonical key
/// (see <see cref="IsCanonical"/>). IPv4 header checksum and all length fields are correct; TCP,
/// UDP, ICMP and ICMPv6 checksums are correct for unfragmented packets (0 in fragments); the
/// SCTP checksum is CRC32c.
/// </summary>
/// <remarks>
/// <para>A key is <b>canonical</b> when a real packet can carry it and every field the packet's
/// protocols do not define is zero:</para>
/// <list type="bullet">
/// <item>recirc_id, metadata, registers and padding are 0 (in_port is free: it is not in the frame).</item>
/// <item>vlan_tci is 0 (untagged) or has the CFI bit 0x1000 set (tagged; the wire DEI bit is 0).</item>
/// <item>dl_type is 0x05ff (802.2, no Ethertype) or ≥ 0x0600 and not a TPID (0x8100, 0x88a8).</item>
/// <item>ARP/RARP: nw_proto (opcode ≤ 255), nw_src, nw_dst, arp_sha, arp_tha free; the rest 0.</item>
/// <item>IPv4: nw_src, nw_dst, nw_proto, nw_tos, nw_ttl free; nw_frag ∈ {0, ANY, ANY|LATER};
/// IPv6 fields, label 0.</item>
/// <item>IPv6: ipv6_src, ipv6_dst, nw_tos, nw_ttl free; ipv6_label &lt; 2^20; nw_frag as IPv4;
/// nw_proto not an extension header (0, 43, 44, 51, 60) — except that a later fragment has
/// nw_proto 44, as OVS reports it; nw_src/nw_dst 0.</item>
/// <item>L4 (only when not a later fragment, else all 0): TCP ports and tcp_flags &lt; 0x1000;
/// UDP and SCTP ports; ICMP (IPv4 only) and ICMPv6 (IPv6 only) type and code ≤ 255 in
/// tp_src/tp_dst; ICMPv6 NS/NA (type 135/136, code 0) also nd_target, arp_sha (SLL), arp_tha
/// (TLL); for any other protocol, and every field not listed, 0.</item>
/// <item>Any other dl_type (including 0x05ff): everything after L2 is 0.</item>
/// </list>
/// <para>Non-canonical keys are still built, best effort, but need not round-trip.</para>
/// </remarks>
public static class PacketBuilder
{
    /// <summary>Minimum Ethernet frame length without FCS; shorter frames are zero-padded.</summary>
    public const int MinimumFrameLength = 60;

    private const ushort Ipv4LaterFragmentOffset = 185; // 1480 bytes, in 8-byte units

    /// <summary>Length of the frame <see cref="Build(in FlowKey, Span{byte}, in PacketBuildOptions)"/> writes.</summary>
    public static int GetFrameLength(in FlowKey key, in PacketBuildOptions options = default) =>
        Plan.Of(key, options).FrameLength;

    /// <summary>Builds a frame with <paramref name="payloadLength"/> bytes of zero payload.</summary>
    public static byte[] Build(in FlowKey key, int payloadLength = 0) =>
        Build(key, new PacketBuildOptions { PayloadLength = payloadLength });

    /// <summary>Builds a frame shaped by <paramref name="options"/>.</summary>
    public static byte[] Build(in FlowKey key, in PacketBuildOptions options)
    {
        var plan = Plan.Of(key, options);
        var frame = new byte[plan.FrameLength];
        Write(key, plan, frame);
        return frame;
    }

    /// <summary>Writes the frame into <paramref name="destination"/> and returns its length.</summary>
    /// <exception cref="ArgumentException">The destination is shorter than the frame.</exception>
    public static int Build(in FlowKey key, Span<byte> destination, in PacketBuildOptions options = default)
    {
        var plan = Plan.Of(key, options);
        if (destination.Length < plan.FrameLength)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes, the frame needs {plan.FrameLength}", nameof(destination));
        }

        Write(key, plan, destination[..plan.FrameLength]);
        return plan.FrameLength;
    }

    /// <summary>Writes the frame into <paramref name="writer"/> and returns its length.</summary>
    public static int Build(in FlowKey key, IBufferWriter<byte> writer, in PacketBuildOptions options = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var plan = Plan.Of(key, options);
        var span = writer.GetSpan(plan.FrameLength)[..plan.FrameLength];
        Write(key, plan, span);
        writer.Advance(plan.FrameLength);
        return plan.FrameLength;
    }

    /// <summary>True when a real packet can carry the key and it round-trips (see the remarks).</summary>
    public static bool IsCanonical(in FlowKey key)
    {
        var w = key.ReadOnlyWords;
        if ((w[0] >> 32) != 0 || w[1] != 0 || w[2] != 0 || w[3] != 0 || w[4] != 0 || w[5] != 0 || w[19] != 0)
        {
            return false;
        }

        if (key.VlanTci != 0 && (key.VlanTci & FlowKey.VlanCfi) == 0)
        {
            return false;
        }

        var type = key.DlType;
        if (type == TpidVlan || type == TpidQinQ || (type < EthTypeMin && type != DlTypeNone))
        {
            return false;
        }

        var frag = key.NwFrag;
        var later = (frag & FlowKey.FragLater) != 0;
        switch (type)
        {
            case EthTypeArp:
            case EthTypeRarp:
                return Zero(w[9..13]) && (w[13] & 0x00FF_FFFF_FFFF_FFFFUL) == 0 && Zero(w[14..16])
                    && key.TcpFlags == 0 && (w[17] & 0xFFFF) == 0 && w[18] == 0;
            case EthTypeIpv4:
                return Zero(w[9..13]) && key.Ipv6Label == 0 && (frag is 0 or FlowKey.FragAny or (FlowKey.FragAny | FlowKey.FragLater))
                    && L4Canonical(key, later, ipv6: false);
            case EthTypeIpv6:
                if (w[8] != 0 || key.Ipv6Label > 0xF_FFFF || frag is not (0 or FlowKey.FragAny or (FlowKey.FragAny | FlowKey.FragLater)))
                {
                    return false;
                }

                if (later)
                {
                    return key.NwProto == ProtoFragment && L4Canonical(key, later, ipv6: true);
                }

                return key.NwProto is not (ProtoHopByHop or ProtoRouting or ProtoFragment or ProtoAh or ProtoDestOpts)
                    && L4Canonical(key, later, ipv6: true);
            default:
                return Zero(w[8..19]);
        }
    }

    private static bool L4Canonical(in FlowKey key, bool later, bool ipv6)
    {
        var w = key.ReadOnlyWords;
        if ((w[17] & 0xFFFF) != 0 || (w[18] & 0xFFFF_FFFFUL) != 0)
        {
            return false;
        }

        if (later)
        {
            return Zero(w[14..19]);
        }

        var noAddr = Zero(w[14..16]) && (w[16] >> 16) == 0 && w[17] == 0;
        switch (key.NwProto)
        {
            case ProtoTcp:
                return noAddr && key.TcpFlags < 0x1000;
            case ProtoUdp:
            case ProtoSctp:
                return noAddr && key.TcpFlags == 0;
            case ProtoIcmp when !ipv6:
                return noAddr && key.TcpFlags == 0 && key.TpSrc <= 0xFF && key.TpDst <= 0xFF;
            case ProtoIcmpv6 when ipv6:
                if (key.TcpFlags != 0 || key.TpSrc > 0xFF || key.TpDst > 0xFF)
                {
                    return false;
                }

                return IsNd(key) || noAddr;
            default:
                return Zero(w[14..19]);
        }
    }

    private static bool IsNd(in FlowKey key) =>
        key.TpDst == 0 && key.TpSrc is NdNeighborSolicit or NdNeighborAdvert;

    private static bool Zero(ReadOnlySpan<ulong> words) => FlowWordOps.IsZero(words);

    /// <summary>The sizes of the parts of a frame, computed once from the key and the options.</summary>
    private readonly record struct Plan(bool Tagged, ushort Tpid, bool Llc, int L2, int L3, int L4, int Payload, int FrameLength,
        Ipv6ExtensionHeaders Extensions, bool FragHeader, bool Later)
    {
        public static Plan Of(in FlowKey key, in PacketBuildOptions options)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(options.PayloadLength, nameof(options));
            var payload = options.PayloadLength;
            var tagged = (key.VlanTci & FlowKey.VlanCfi) != 0;
            var tpid = options.VlanTpid == 0 ? TpidVlan : options.VlanTpid;
            var type = key.DlType;
            var llc = type < EthTypeMin;
            var l2 = 14 + (tagged ? 4 : 0);
            int l3 = 0, l4 = 0;
            var ext = Ipv6ExtensionHeaders.None;
            var fragHeader = false;
            var later = (key.NwFrag & FlowKey.FragLater) != 0;
            switch (type)
            {
                case < EthTypeMin:
                    l3 = 3; // LLC header, no SNAP
                    if (3 + payload >= EthTypeMin)
                    {
                        throw new ArgumentOutOfRangeException(nameof(options), "an 802.3 frame carries at most 1532 bytes of payload");
                    }

                    break;
                case EthTypeArp:
                case EthTypeRarp:
                    l3 = 28;
                    break;
                case EthTypeIpv4:
                    l3 = 20;
                    l4 = later ? 0 : L4Length(key, ipv6: false);
                    if (l3 + l4 + payload > ushort.MaxValue)
                    {
                        throw new ArgumentOutOfRangeException(nameof(options), "an IPv4 packet is at most 65535 bytes");
                    }

                    break;
                case EthTypeIpv6:
                    ext = options.Ipv6Extensions & (Ipv6ExtensionHeaders.HopByHop | Ipv6ExtensionHeaders.DestinationOptions | Ipv6ExtensionHeaders.Routing);
                    fragHeader = (key.NwFrag & FlowKey.FragAny) != 0;
                    l3 = 40 + (8 * BitOperations.PopCount((uint)ext)) + (fragHeader ? 8 : 0);
                    l4 = later ? 0 : L4Length(key, ipv6: true);
                    if (!later && key.NwProto == ProtoIcmpv6 && IsNd(key))
                    {
                        payload = 0; // whatever follows ND is parsed as options
                    }
                    if (l3 - 40 + l4 + payload > ushort.MaxValue)
                    {
                        throw new ArgumentOutOfRangeException(nameof(options), "an IPv6 payload is at most 65535 bytes");
                    }

                    break;
                default:
                    break;
            }

            var total = l2 + l3 + l4 + payload;
            var frame = options.NoPadding ? total : Math.Max(total, MinimumFrameLength);
            return new Plan(tagged, tpid, llc, l2, l3, l4, payload, frame, ext, fragHeader, later);
        }

        private static int L4Length(in FlowKey key, bool ipv6) => key.NwProto switch
        {
            ProtoTcp => 20,
            ProtoUdp => 8,
            ProtoSctp => 12,
            ProtoIcmp when !ipv6 => 8,
            ProtoIcmpv6 when ipv6 => IsNd(key)
                ? 24 + (key.ArpSha != 0 ? 8 : 0) + (key.ArpTha != 0 ? 8 : 0)
                : 8,
            _ => 0,
        };
    }

    private static void Write(in FlowKey key, in Plan plan, Span<byte> d)
    {
        d.Clear();
        WriteMac(d, key.DlDst);
        WriteMac(d[6..], key.DlSrc);
        var o = 12;
        if (plan.Tagged)
        {
            BinaryPrimitives.WriteUInt16BigEndian(d[o..], plan.Tpid);
            BinaryPrimitives.WriteUInt16BigEndian(d[(o + 2)..], (ushort)(key.VlanTci & ~FlowKey.VlanCfi));
            o += 4;
        }

        if (plan.Llc)
        {
            BinaryPrimitives.WriteUInt16BigEndian(d[o..], (ushort)(3 + plan.Payload));
            d[o + 2] = 0x42; // DSAP/SSAP of spanning tree: an LLC header without SNAP
            d[o + 3] = 0x42;
            d[o + 4] = 0x03;
            return;
        }

        BinaryPrimitives.WriteUInt16BigEndian(d[o..], key.DlType);
        o += 2;
        var l3 = d.Slice(o, plan.L3 + plan.L4 + plan.Payload);
        switch (key.DlType)
        {
            case EthTypeArp:
            case EthTypeRarp:
                WriteArp(key, l3);
                break;
            case EthTypeIpv4:
                WriteIpv4(key, plan, l3);
                break;
            case EthTypeIpv6:
                WriteIpv6(key, plan, l3);
                break;
            default:
                break;
        }
    }

    private static void WriteArp(in FlowKey key, Span<byte> p)
    {
        BinaryPrimitives.WriteUInt32BigEndian(p, 0x0001_0800);
        BinaryPrimitives.WriteUInt16BigEndian(p[4..], 0x0604);
        BinaryPrimitives.WriteUInt16BigEndian(p[6..], key.NwProto);
        WriteMac(p[8..], key.ArpSha);
        BinaryPrimitives.WriteUInt32BigEndian(p[14..], key.NwSrc);
        WriteMac(p[18..], key.ArpTha);
        BinaryPrimitives.WriteUInt32BigEndian(p[24..], key.NwDst);
    }

    private static void WriteIpv4(in FlowKey key, in Plan plan, Span<byte> p)
    {
        p[0] = 0x45;
        p[1] = key.NwTos;
        BinaryPrimitives.WriteUInt16BigEndian(p[2..], (ushort)p.Length);
        BinaryPrimitives.WriteUInt16BigEndian(p[4..], 0x5657); // identification
        ushort fragOff = (key.NwFrag & FlowKey.FragLater) != 0 ? Ipv4LaterFragmentOffset
            : (key.NwFrag & FlowKey.FragAny) != 0 ? (ushort)0x2000 // MF
            : (ushort)0;
        BinaryPrimitives.WriteUInt16BigEndian(p[6..], fragOff);
        p[8] = key.NwTtl;
        p[9] = key.NwProto;
        BinaryPrimitives.WriteUInt32BigEndian(p[12..], key.NwSrc);
        BinaryPrimitives.WriteUInt32BigEndian(p[16..], key.NwDst);
        BinaryPrimitives.WriteUInt16BigEndian(p[10..], Fold(Sum(p[..20], 0)));
        if (plan.L4 == 0)
        {
            return;
        }

        var l4 = p[20..];
        WriteL4(key, l4);
        if (key.NwFrag != 0)
        {
            return; // a first fragment's L4 checksum covers data it does not carry
        }

        uint pseudo = 0;
        if (key.NwProto != ProtoIcmp)
        {
            pseudo = Sum(p.Slice(12, 8), (uint)key.NwProto + (uint)l4.Length);
        }

        WriteChecksum(key.NwProto, l4, pseudo);
    }

    private static void WriteIpv6(in FlowKey key, in Plan plan, Span<byte> p)
    {
        BinaryPrimitives.WriteUInt32BigEndian(p, (6u << 28) | ((uint)key.NwTos << 20) | (key.Ipv6Label & 0xF_FFFF));
        BinaryPrimitives.WriteUInt16BigEndian(p[4..], (ushort)(p.Length - 40));
        p[7] = key.NwTtl;
        WriteU128(p[8..], key.Ipv6Src);
        WriteU128(p[24..], key.Ipv6Dst);

        // The upper-layer protocol; a later fragment's real one is unknown (the key says 44).
        var upper = plan.Later ? ProtoNoNext : key.NwProto;
        var nextField = 6; // offset of the "next header" byte to fill in
        var o = 40;
        static void Chain(Span<byte> pkt, byte type, ref int field, ref int off)
        {
            pkt[field] = type;
            field = off;
            off += 8;
        }

        if ((plan.Extensions & Ipv6ExtensionHeaders.HopByHop) != 0)
        {
            Chain(p, ProtoHopByHop, ref nextField, ref o);
            p[o - 6] = 1; // PadN option of 4 bytes filling the header
            p[o - 5] = 4;
        }

        if ((plan.Extensions & Ipv6ExtensionHeaders.DestinationOptions) != 0)
        {
            Chain(p, ProtoDestOpts, ref nextField, ref o);
            p[o - 6] = 1;
            p[o - 5] = 4;
        }

        if ((plan.Extensions & Ipv6ExtensionHeaders.Routing) != 0)
        {
            Chain(p, ProtoRouting, ref nextField, ref o);
            p[o - 6] = 253; // routing type reserved for experiments, segments left 0: ignored
        }

        if (plan.FragHeader)
        {
            Chain(p, ProtoFragment, ref nextField, ref o);
            BinaryPrimitives.WriteUInt16BigEndian(p[(o - 6)..], plan.Later ? (ushort)(Ipv4LaterFragmentOffset << 3) : (ushort)1);
            BinaryPrimitives.WriteUInt32BigEndian(p[(o - 4)..], 0x5657_5341); // identification
        }

        p[nextField] = upper;
        if (plan.L4 == 0)
        {
            return;
        }

        var l4 = p[o..];
        WriteL4(key, l4);
        if (plan.FragHeader)
        {
            return;
        }

        var pseudo = Sum(p.Slice(8, 32), (uint)upper + (uint)l4.Length);
        WriteChecksum(upper, l4, pseudo);
    }

    private static void WriteL4(in FlowKey key, Span<byte> l4)
    {
        switch (key.NwProto)
        {
            case ProtoTcp:
                BinaryPrimitives.WriteUInt32BigEndian(l4, key.PortsWord);
                BinaryPrimitives.WriteUInt16BigEndian(l4[12..], (ushort)(0x5000 | (key.TcpFlags & 0x0FFF)));
                BinaryPrimitives.WriteUInt16BigEndian(l4[14..], 0xFFFF); // window
                break;
            case ProtoUdp:
                BinaryPrimitives.WriteUInt32BigEndian(l4, key.PortsWord);
                BinaryPrimitives.WriteUInt16BigEndian(l4[4..], (ushort)l4.Length);
                break;
            case ProtoSctp:
                BinaryPrimitives.WriteUInt32BigEndian(l4, key.PortsWord);
                break;
            default: // ICMP, ICMPv6
                l4[0] = (byte)key.TpSrc;
                l4[1] = (byte)key.TpDst;
                if (key.NwProto == ProtoIcmpv6 && IsNd(key))
                {
                    WriteU128(l4[8..], key.NdTarget);
                    var o = 24;
                    if (key.ArpSha != 0)
                    {
                        l4[o] = NdOptSll;
                        l4[o + 1] = 1;
                        WriteMac(l4[(o + 2)..], key.ArpSha);
                        o += 8;
                    }

                    if (key.ArpTha != 0)
                    {
                        l4[o] = NdOptTll;
                        l4[o + 1] = 1;
                        WriteMac(l4[(o + 2)..], key.ArpTha);
                    }
                }

                break;
        }
    }

    private static void WriteChecksum(byte proto, Span<byte> l4, uint pseudo)
    {
        switch (proto)
        {
            case ProtoTcp:
                BinaryPrimitives.WriteUInt16BigEndian(l4[16..], Fold(Sum(l4, pseudo)));
                break;
            case ProtoUdp:
                var c = Fold(Sum(l4, pseudo));
                BinaryPrimitives.WriteUInt16BigEndian(l4[6..], c == 0 ? (ushort)0xFFFF : c);
                break;
            case ProtoIcmp:
            case ProtoIcmpv6:
                BinaryPrimitives.WriteUInt16BigEndian(l4[2..], Fold(Sum(l4, pseudo)));
                break;
            case ProtoSctp:
                var crc = 0xFFFF_FFFFu;
                foreach (var b in l4)
                {
                    crc = BitOperations.Crc32C(crc, b);
                }

                BinaryPrimitives.WriteUInt32LittleEndian(l4[8..], ~crc);
                break;
            default:
                break;
        }
    }

    /// <summary>One's-complement sum of big-endian 16-bit words (RFC 1071), not yet folded.</summary>
    private static uint Sum(ReadOnlySpan<byte> data, uint acc)
    {
        ulong sum = acc;
        var i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (i < data.Length)
        {
            sum += (uint)data[i] << 8;
        }

        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (uint)sum;
    }

    private static ushort Fold(uint sum)
    {
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    private static void WriteMac(Span<byte> p, ulong mac)
    {
        BinaryPrimitives.WriteUInt32BigEndian(p, (uint)(mac >> 16));
        BinaryPrimitives.WriteUInt16BigEndian(p[4..], (ushort)mac);
    }

    private static void WriteU128(Span<byte> p, UInt128 v) => BinaryPrimitives.WriteUInt128BigEndian(p, v);
}
