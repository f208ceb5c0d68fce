using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using VSwarm.Messages.Flow;

namespace VSwarm.Messages.Packets;

/// <summary>
/// Extracts a <see cref="FlowKey"/> from an Ethernet frame, as OVS's miniflow_extract (and the
/// kernel datapath's key_extract) do: allocation-free, never throwing, and parsing a truncated or
/// malformed frame "as far as it is valid" (ovs-brief §5.8).
/// </summary>
/// <remarks>
/// <para>What is parsed, and how it lands in the key (see <see cref="FlowLayout"/>):</para>
/// <list type="bullet">
/// <item>Ethernet II: dl_dst, dl_src, dl_type. Frames shorter than 14 bytes leave all of L2 zero.</item>
/// <item>802.3/802.2 frames (length field &lt; 0x600): dl_type 0x05ff, unless an LLC/SNAP header
/// with OUI 00-00-00 carries an Ethertype ≥ 0x600, which then becomes dl_type and is parsed on.</item>
/// <item>VLAN: an outer tag with TPID 0x8100 or 0x88a8 gives vlan_tci = TCI | CFI (0x1000, "tag
/// present"); a second (inner) tag is skipped, its TCI is not modelled. A tag truncated before
/// the next Ethertype is not consumed: vlan_tci stays 0 (CFI clear) and dl_type is the TPID.</item>
/// <item>ARP/RARP (Ethernet/IPv4 only, 28 bytes): opcode into nw_proto when ≤ 255 (else 0),
/// spa/tpa into nw_src/nw_dst, sha/tha into arp_sha/arp_tha.</item>
/// <item>IPv4: needs version 4, IHL ≥ 5 and the whole header in the frame, else L3 stays zero
/// (dl_type kept). Total length trims Ethernet padding when it is consistent; otherwise the
/// frame end bounds the packet. nw_frag: ANY when MF or an offset is set, LATER when the offset
/// is non-zero; later fragments carry no L4.</item>
/// <item>IPv6: needs version 6 and the 40-byte header. Hop-by-hop, routing, destination options,
/// AH and fragment headers are walked to the upper-layer protocol, which becomes nw_proto. A
/// fragment header with offset or M set gives ANY; a non-zero offset also LATER, and then, as
/// OVS and the kernel do, nw_proto is 44 (fragment) and no L4 is parsed. A truncated extension
/// header stops the walk: nw_proto is that header's type and there is no L4.</item>
/// <item>TCP (20 bytes): ports, tcp_flags (12 bits). UDP (8): ports. SCTP (12): ports. ICMP over
/// IPv4 and ICMPv6 over IPv6 (8): type into tp_src, code into tp_dst. An L4 header shorter than
/// that leaves the L4 fields zero, with nw_proto still set ("tcp(src=0,dst=0)").</item>
/// <item>ICMPv6 neighbour solicitation/advertisement (code 0): nd_target, and the source/target
/// link-layer address options into arp_sha/arp_tha. A malformed option list (zero length,
/// overrun, duplicate SLL or TLL) drops nd_target, SLL and TLL, as OVS does.</item>
/// </list>
/// <para>recirc_id is 0, in_port is as given, metadata and registers are 0. IGMP, MPLS, NSH
/// and tunnels are not modelled (their Ethertype/protocol is recorded, nothing more).</para>
/// </remarks>
public static class PacketParser
{
    /// <summary>Length of an Ethernet II header.</summary>
    public const int EthernetHeaderLength = 14;

    /// <summary>Ethertype of IPv4.</summary>
    public const ushort EthTypeIpv4 = EtherType.Ipv4;

    /// <summary>Ethertype of ARP.</summary>
    public const ushort EthTypeArp = EtherType.Arp;

    /// <summary>Ethertype of RARP.</summary>
    public const ushort EthTypeRarp = EtherType.Rarp;

    /// <summary>Ethertype of IPv6.</summary>
    public const ushort EthTypeIpv6 = EtherType.Ipv6;

    /// <summary>TPID of an 802.1Q (C-VLAN) tag.</summary>
    public const ushort TpidVlan = 0x8100;

    /// <summary>TPID of an 802.1ad (S-VLAN) tag.</summary>
    public const ushort TpidQinQ = 0x88a8;

    /// <summary>dl_type of an 802.2 frame without an Ethertype (OVS's FLOW_DL_TYPE_NONE).</summary>
    public const ushort DlTypeNone = 0x05ff;

    /// <summary>Smallest value of the type/length field that is an Ethertype.</summary>
    public const ushort EthTypeMin = 0x0600;

    /// <summary>IP protocol numbers the parser knows.</summary>
    public const byte ProtoHopByHop = 0, ProtoIcmp = 1, ProtoTcp = 6, ProtoUdp = 17, ProtoRouting = 43,
        ProtoFragment = 44, ProtoAh = 51, ProtoIcmpv6 = 58, ProtoNoNext = 59, ProtoDestOpts = 60, ProtoSctp = 132;

    /// <summary>ICMPv6 neighbour solicitation / advertisement types.</summary>
    public const byte NdNeighborSolicit = 135, NdNeighborAdvert = 136;

    /// <summary>ND option types: source and target link-layer address.</summary>
    public const byte NdOptSll = 1, NdOptTll = 2;

    /// <summary>Extracts the flow key of a frame received on <paramref name="inPort"/>.</summary>
    public static FlowKey Extract(ReadOnlySpan<byte> frame, uint inPort)
    {
        var key = default(FlowKey);
        Extract(frame, inPort, ref key);
        return key;
    }

    /// <summary>
    /// Extracts the flow key of a frame received on <paramref name="inPort"/> into
    /// <paramref name="key"/>, overwriting every word of it.
    /// </summary>
    public static void Extract(ReadOnlySpan<byte> frame, uint inPort, ref FlowKey key)
    {
        var w = key.Words;
        w.Clear();
        w[0] = inPort;
        if (frame.Length < EthernetHeaderLength)
        {
            return;
        }

        var dst = BinaryPrimitives.ReadUInt64BigEndian(frame) & ~0xFFFFUL;
        var srcType = BinaryPrimitives.ReadUInt64BigEndian(frame[6..]);
        var type = (ushort)srcType;
        var off = 12;
        ulong tci = 0;
        if (IsTpid(type) && frame.Length >= off + 6)
        {
            tci = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(frame[(off + 2)..]) | FlowKey.VlanCfi);
            off += 4;
            type = BinaryPrimitives.ReadUInt16BigEndian(frame[off..]);
            if (IsTpid(type) && frame.Length >= off + 6)
            {
                off += 4;
                type = BinaryPrimitives.ReadUInt16BigEndian(frame[off..]);
            }
        }

        off += 2;
        if (type < EthTypeMin)
        {
            type = ParseLlc(frame, ref off);
        }

        w[6] = dst | tci;
        w[7] = (srcType & ~0xFFFFUL) | type;
        var l3 = frame[off..];
        switch (type)
        {
            case EthTypeIpv4:
                ParseIpv4(l3, w);
                break;
            case EthTypeIpv6:
                ParseIpv6(l3, w);
                break;
            case EthTypeArp:
            case EthTypeRarp:
                ParseArp(l3, w);
                break;
            default:
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsTpid(ushort type) => type == TpidVlan || type == TpidQinQ;

    /// <summary>802.2: LLC/SNAP with OUI 0 carries an Ethertype; anything else has none.</summary>
    private static ushort ParseLlc(ReadOnlySpan<byte> frame, ref int off)
    {
        var llc = frame[off..];
        if (llc.Length >= 8 && llc[0] == 0xAA && llc[1] == 0xAA && llc[2] == 0x03
            && llc[3] == 0 && llc[4] == 0 && llc[5] == 0)
        {
            var snapType = BinaryPrimitives.ReadUInt16BigEndian(llc[6..]);
            if (snapType >= EthTypeMin)
            {
                off += 8;
                return snapType;
            }
        }

        return DlTypeNone;
    }

    private static void ParseArp(ReadOnlySpan<byte> p, Span<ulong> w)
    {
        if (p.Length < 28
            || BinaryPrimitives.ReadUInt32BigEndian(p) != 0x0001_0800 // htype Ethernet, ptype IPv4
            || BinaryPrimitives.ReadUInt16BigEndian(p[4..]) != 0x0604) // hlen 6, plen 4
        {
            return;
        }

        var op = BinaryPrimitives.ReadUInt16BigEndian(p[6..]);
        var sha = ReadMac(p[8..]);
        var spa = BinaryPrimitives.ReadUInt32BigEndian(p[14..]);
        var tha = ReadMac(p[18..]);
        var tpa = BinaryPrimitives.ReadUInt32BigEndian(p[24..]);
        w[8] = ((ulong)spa << 32) | tpa;
        w[13] = op <= 0xFF ? (ulong)op << 56 : 0;
        w[16] = sha << 16;
        w[17] = tha << 16;
    }

    private static void ParseIpv4(ReadOnlySpan<byte> p, Span<ulong> w)
    {
        if (p.Length < 20)
        {
            return;
        }

        var vihl = p[0];
        var ihl = (vihl & 0x0F) * 4;
        if ((vihl >> 4) != 4 || ihl < 20 || p.Length < ihl)
        {
            return;
        }

        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(p[2..]);
        if (totalLength >= ihl && totalLength < p.Length)
        {
            p = p[..totalLength]; // trim Ethernet padding
        }

        var fragOff = BinaryPrimitives.ReadUInt16BigEndian(p[6..]);
        ulong frag = 0;
        if ((fragOff & 0x3FFF) != 0)
        {
            frag = (fragOff & 0x1FFF) != 0 ? (ulong)(FlowKey.FragAny | FlowKey.FragLater) : FlowKey.FragAny;
        }

        var proto = p[9];
        w[8] = BinaryPrimitives.ReadUInt64BigEndian(p[12..]); // src | dst
        w[13] = ((ulong)proto << 56) | ((ulong)p[1] << 48) | ((ulong)p[8] << 40) | (frag << 32);
        if ((frag & FlowKey.FragLater) == 0)
        {
            ParseL4(p[ihl..], proto, ipv6: false, w);
        }
    }

    private static void ParseIpv6(ReadOnlySpan<byte> p, Span<ulong> w)
    {
        if (p.Length < 40)
        {
            return;
        }

        var vtcfl = BinaryPrimitives.ReadUInt32BigEndian(p);
        if ((vtcfl >> 28) != 6)
        {
            return;
        }

        var end = 40 + BinaryPrimitives.ReadUInt16BigEndian(p[4..]);
        if (end < p.Length)
        {
            p = p[..end]; // trim Ethernet padding
        }

        w[9] = BinaryPrimitives.ReadUInt64BigEndian(p[8..]);
        w[10] = BinaryPrimitives.ReadUInt64BigEndian(p[16..]);
        w[11] = BinaryPrimitives.ReadUInt64BigEndian(p[24..]);
        w[12] = BinaryPrimitives.ReadUInt64BigEndian(p[32..]);
        var next = p[6];
        var ttl = p[7];
        var rest = p[40..];
        ulong frag = 0;
        var l4 = true;
        while (l4)
        {
            switch (next)
            {
                case ProtoHopByHop:
                case ProtoRouting:
                case ProtoDestOpts:
                case ProtoAh:
                    {
                        if (rest.Length < 8)
                        {
                            l4 = false;
                            break;
                        }

                        var len = next == ProtoAh ? (rest[1] + 2) * 4 : (rest[1] + 1) * 8;
                        if (rest.Length < len)
                        {
                            l4 = false;
                            break;
                        }

                        next = rest[0];
                        rest = rest[len..];
                        continue;
                    }

                case ProtoFragment:
                    {
                        if (rest.Length < 8)
                        {
                            l4 = false;
                            break;
                        }

                        var offlg = BinaryPrimitives.ReadUInt16BigEndian(rest[2..]);
                        if ((offlg & 0xFFF8) != 0)
                        {
                            // A later fragment: OVS and the kernel report proto 44, no L4.
                            frag = FlowKey.FragAny | FlowKey.FragLater;
                            l4 = false;
                            break;
                        }

                        if ((offlg & 1) != 0)
                        {
                            frag = FlowKey.FragAny;
                        }

                        next = rest[0];
                        rest = rest[8..];
                        continue;
                    }

                default:
                    break;
            }

            break;
        }

        w[13] = ((ulong)next << 56) | ((ulong)((vtcfl >> 20) & 0xFF) << 48) | ((ulong)ttl << 40) | (frag << 32) | (vtcfl & 0xF_FFFF);
        if (l4)
        {
            ParseL4(rest, next, ipv6: true, w);
        }
    }

    private static void ParseL4(ReadOnlySpan<byte> p, byte proto, bool ipv6, Span<ulong> w)
    {
        switch (proto)
        {
            case ProtoTcp:
                if (p.Length >= 20)
                {
                    w[18] = (ulong)BinaryPrimitives.ReadUInt32BigEndian(p) << 32;
                    w[16] = (ulong)(BinaryPrimitives.ReadUInt16BigEndian(p[12..]) & 0x0FFF);
                }

                break;
            case ProtoUdp:
                if (p.Length >= 8)
                {
                    w[18] = (ulong)BinaryPrimitives.ReadUInt32BigEndian(p) << 32;
                }

                break;
            case ProtoSctp:
                if (p.Length >= 12)
                {
                    w[18] = (ulong)BinaryPrimitives.ReadUInt32BigEndian(p) << 32;
                }

                break;
            case ProtoIcmp:
                if (!ipv6 && p.Length >= 8)
                {
                    w[18] = ((ulong)p[0] << 48) | ((ulong)p[1] << 32);
                }

                break;
            case ProtoIcmpv6:
                if (ipv6 && p.Length >= 8)
                {
                    w[18] = ((ulong)p[0] << 48) | ((ulong)p[1] << 32);
                    if (p[1] == 0 && (p[0] == NdNeighborSolicit || p[0] == NdNeighborAdvert) && p.Length >= 24)
                    {
                        ParseNd(p, w);
                    }
                }

                break;
            default:
                break;
        }
    }

    private static void ParseNd(ReadOnlySpan<byte> p, Span<ulong> w)
    {
        var opts = p[24..];
        ulong sll = 0, tll = 0;
        while (opts.Length >= 8)
        {
            var len = opts[1] * 8;
            if (len == 0 || len > opts.Length)
            {
                return; // malformed option list: no ND fields at all
            }

            if (len == 8)
            {
                if (opts[0] == NdOptSll)
                {
                    if (sll != 0)
                    {
                        return;
                    }

                    sll = ReadMac(opts[2..]);
                }
                else if (opts[0] == NdOptTll)
                {
                    if (tll != 0)
                    {
                        return;
                    }

                    tll = ReadMac(opts[2..]);
                }
            }

            opts = opts[len..];
        }

        w[14] = BinaryPrimitives.ReadUInt64BigEndian(p[8..]);
        w[15] = BinaryPrimitives.ReadUInt64BigEndian(p[16..]);
        w[16] = sll << 16;
        w[17] = tll << 16;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadMac(ReadOnlySpan<byte> p) =>
        ((ulong)BinaryPrimitives.ReadUInt32BigEndian(p) << 16) | BinaryPrimitives.ReadUInt16BigEndian(p[4..]);
}
