using System.Buffers.Binary;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Netlink;

namespace VSwarm.Messages.Datapath;

/// <summary>
/// The payload of each OVS_KEY_ATTR_* and the <see cref="FlowKey"/> fields it carries. The same
/// code writes and reads keys and masks (words of a <see cref="FlowKey"/> or a
/// <see cref="FlowMask"/>); the two differ only where the netlink form is not the struct-flow
/// form: the IP fragment byte (key: enum 0 none / 1 first / 2 later; mask: 0 or 0xff) and the ARP
/// opcode (be16 on the wire, 8-bit nw_proto in the flow; mask 0xff is sent as 0xffff).
/// </summary>
public static class KeyAttrs
{
    /// <summary>Ethertype of 802.1Q tags.</summary>
    public const ushort EthTypeVlan = EtherType.Vlan;

    /// <summary>Ethertype of 802.1ad (QinQ) tags.</summary>
    public const ushort EthTypeQinQ = EtherType.QinQ;

    /// <summary>IPv4.</summary>
    public const ushort EthTypeIpv4 = EtherType.Ipv4;

    /// <summary>IPv6.</summary>
    public const ushort EthTypeIpv6 = EtherType.Ipv6;

    /// <summary>ARP.</summary>
    public const ushort EthTypeArp = EtherType.Arp;

    /// <summary>RARP.</summary>
    public const ushort EthTypeRarp = 0x8035;

    /// <summary>OVS's dl_type for 802.2 frames without an Ethertype (FLOW_DL_TYPE_NONE).</summary>
    public const ushort DlTypeNone = 0x05ff;

    /// <summary>Lowest value that is an Ethertype rather than an 802.3 length.</summary>
    public const ushort EthTypeMin = 0x0600;

    /// <summary>nw_frag mask value when the fragment state is matched (ANY | LATER).</summary>
    public const byte FragMask = FlowKey.FragAny | FlowKey.FragLater;

    /// <summary>Exact mask of ipv6_label (20 bits).</summary>
    public const uint Ipv6LabelMask = 0xFFFFF;

    /// <summary>Exact mask of tcp_flags (12 bits).</summary>
    public const ushort TcpFlagsMask = 0x0FFF;

    /// <summary>IP protocol numbers used to choose L4 attributes.</summary>
    public const byte ProtoIcmp = 1, ProtoTcp = 6, ProtoUdp = 17, ProtoIcmpv6 = 58, ProtoSctp = 132;

    /// <summary>ICMPv6 neighbour solicitation / advertisement types (the ND attribute applies).</summary>
    public const byte NdSolicit = 135, NdAdvert = 136;

    private static readonly FlowMask[] Fields = BuildFields();

    /// <summary>
    /// Payload size of an attribute: a byte count, −1 for nested attributes (ENCAP, TUNNEL, NSH),
    /// −2 for a non-empty multiple of 4 (MPLS), −3 for ids that may not appear (UNSPEC,
    /// TUNNEL_INFO, unknown).
    /// </summary>
    public static int PayloadSize(OvsKeyAttr attr) => attr switch
    {
        OvsKeyAttr.Priority or OvsKeyAttr.InPort or OvsKeyAttr.SkbMark or OvsKeyAttr.DpHash or OvsKeyAttr.RecircId
            or OvsKeyAttr.CtState or OvsKeyAttr.CtMark or OvsKeyAttr.PacketType => 4,
        OvsKeyAttr.Ethernet or OvsKeyAttr.Ipv4 => 12,
        OvsKeyAttr.Vlan or OvsKeyAttr.Ethertype or OvsKeyAttr.TcpFlags or OvsKeyAttr.CtZone
            or OvsKeyAttr.Icmp or OvsKeyAttr.Icmpv6 => 2,
        OvsKeyAttr.Ipv6 or OvsKeyAttr.CtOrigTupleIpv6 => 40,
        OvsKeyAttr.Tcp or OvsKeyAttr.Udp or OvsKeyAttr.Sctp => 4,
        OvsKeyAttr.Arp => 24,
        OvsKeyAttr.Nd => 28,
        OvsKeyAttr.CtLabels or OvsKeyAttr.CtOrigTupleIpv4 => 16,
        OvsKeyAttr.NdExtensions => 8,
        OvsKeyAttr.Encap or OvsKeyAttr.Tunnel or OvsKeyAttr.Nsh => -1,
        OvsKeyAttr.Mpls => -2,
        _ => -3,
    };

    /// <summary>True for the attributes whose fields VSwarm's <see cref="FlowKey"/> models.</summary>
    public static bool IsModelled(OvsKeyAttr attr) => attr is OvsKeyAttr.RecircId or OvsKeyAttr.InPort
        or OvsKeyAttr.Ethernet or OvsKeyAttr.Vlan or OvsKeyAttr.Ethertype or OvsKeyAttr.Ipv4 or OvsKeyAttr.Ipv6
        or OvsKeyAttr.Tcp or OvsKeyAttr.Udp or OvsKeyAttr.Sctp or OvsKeyAttr.Icmp or OvsKeyAttr.Icmpv6
        or OvsKeyAttr.Arp or OvsKeyAttr.Nd or OvsKeyAttr.TcpFlags;

    /// <summary>True for the header attributes a SET / SET_MASKED action may carry in VSwarm.</summary>
    public static bool IsSettable(OvsKeyAttr attr) => attr is OvsKeyAttr.Ethernet or OvsKeyAttr.Ipv4
        or OvsKeyAttr.Ipv6 or OvsKeyAttr.Tcp or OvsKeyAttr.Udp or OvsKeyAttr.Sctp or OvsKeyAttr.Icmp
        or OvsKeyAttr.Icmpv6 or OvsKeyAttr.Arp or OvsKeyAttr.Nd;

    /// <summary>
    /// The flow bits an attribute carries, as an exact mask (e.g. ICMP → low 8 bits of tp_src and
    /// tp_dst; IPV4 → addresses, proto, tos, ttl and both frag bits).
    /// </summary>
    public static FlowMask FieldsOf(OvsKeyAttr attr) => (int)attr < Fields.Length ? Fields[(int)attr] : default;

    /// <summary>Writes the payload of a modelled attribute from key or mask words.</summary>
    public static void Write(OvsKeyAttr attr, Span<byte> p, ReadOnlySpan<ulong> w, bool isMask)
    {
        switch (attr)
        {
            case OvsKeyAttr.RecircId:
                BinaryPrimitives.WriteUInt32LittleEndian(p, (uint)FlowFields.RecircId.Read(w));
                break;
            case OvsKeyAttr.InPort:
                BinaryPrimitives.WriteUInt32LittleEndian(p, (uint)FlowFields.InPort.Read(w));
                break;
            case OvsKeyAttr.Ethernet:
                WriteMac(p, (ulong)FlowFields.DlSrc.Read(w));
                WriteMac(p[6..], (ulong)FlowFields.DlDst.Read(w));
                break;
            case OvsKeyAttr.Vlan:
                BinaryPrimitives.WriteUInt16BigEndian(p, (ushort)FlowFields.VlanTci.Read(w));
                break;
            case OvsKeyAttr.Ethertype:
                BinaryPrimitives.WriteUInt16BigEndian(p, (ushort)FlowFields.DlType.Read(w));
                break;
            case OvsKeyAttr.Ipv4:
                BinaryPrimitives.WriteUInt32BigEndian(p, (uint)FlowFields.NwSrc.Read(w));
                BinaryPrimitives.WriteUInt32BigEndian(p[4..], (uint)FlowFields.NwDst.Read(w));
                p[8] = (byte)FlowFields.NwProto.Read(w);
                p[9] = (byte)FlowFields.NwTos.Read(w);
                p[10] = (byte)FlowFields.NwTtl.Read(w);
                p[11] = FragToWire((byte)FlowFields.NwFrag.Read(w), isMask);
                break;
            case OvsKeyAttr.Ipv6:
                BinaryPrimitives.WriteUInt128BigEndian(p, FlowFields.Ipv6Src.Read(w));
                BinaryPrimitives.WriteUInt128BigEndian(p[16..], FlowFields.Ipv6Dst.Read(w));
                BinaryPrimitives.WriteUInt32BigEndian(p[32..], (uint)FlowFields.Ipv6Label.Read(w) & Ipv6LabelMask);
                p[36] = (byte)FlowFields.NwProto.Read(w);
                p[37] = (byte)FlowFields.NwTos.Read(w);
                p[38] = (byte)FlowFields.NwTtl.Read(w);
                p[39] = FragToWire((byte)FlowFields.NwFrag.Read(w), isMask);
                break;
            case OvsKeyAttr.Tcp or OvsKeyAttr.Udp or OvsKeyAttr.Sctp:
                BinaryPrimitives.WriteUInt16BigEndian(p, (ushort)FlowFields.TpSrc.Read(w));
                BinaryPrimitives.WriteUInt16BigEndian(p[2..], (ushort)FlowFields.TpDst.Read(w));
                break;
            case OvsKeyAttr.Icmp or OvsKeyAttr.Icmpv6:
                p[0] = (byte)FlowFields.TpSrc.Read(w);
                p[1] = (byte)FlowFields.TpDst.Read(w);
                break;
            case OvsKeyAttr.TcpFlags:
                BinaryPrimitives.WriteUInt16BigEndian(p, (ushort)((ushort)FlowFields.TcpFlags.Read(w) & TcpFlagsMask));
                break;
            case OvsKeyAttr.Arp:
                BinaryPrimitives.WriteUInt32BigEndian(p, (uint)FlowFields.NwSrc.Read(w));
                BinaryPrimitives.WriteUInt32BigEndian(p[4..], (uint)FlowFields.NwDst.Read(w));
                var op = (byte)FlowFields.NwProto.Read(w);
                BinaryPrimitives.WriteUInt16BigEndian(p[8..], isMask && op == 0xff ? (ushort)0xffff : op);
                WriteMac(p[10..], (ulong)FlowFields.ArpSha.Read(w));
                WriteMac(p[16..], (ulong)FlowFields.ArpTha.Read(w));
                p[22] = 0;
                p[23] = 0;
                break;
            case OvsKeyAttr.Nd:
                BinaryPrimitives.WriteUInt128BigEndian(p, FlowFields.NdTarget.Read(w));
                WriteMac(p[16..], (ulong)FlowFields.ArpSha.Read(w));
                WriteMac(p[22..], (ulong)FlowFields.ArpTha.Read(w));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(attr), attr, "not a modelled key attribute");
        }
    }

    /// <summary>
    /// Reads the payload of a modelled attribute into key or mask words, validating its size and
    /// the values that have no flow representation (frag enum, ARP opcode &gt; 255, IPv6 label
    /// above 20 bits, VLAN TCI without CFI in a key).
    /// </summary>
    public static void Read(in NetlinkAttribute a, Span<ulong> w, bool isMask)
    {
        var attr = (OvsKeyAttr)a.Type;
        var p = a.Expect(PayloadSize(attr));
        switch (attr)
        {
            case OvsKeyAttr.RecircId:
                FlowFields.RecircId.Write(w, BinaryPrimitives.ReadUInt32LittleEndian(p));
                break;
            case OvsKeyAttr.InPort:
                FlowFields.InPort.Write(w, BinaryPrimitives.ReadUInt32LittleEndian(p));
                break;
            case OvsKeyAttr.Ethernet:
                FlowFields.DlSrc.Write(w, ReadMac(p));
                FlowFields.DlDst.Write(w, ReadMac(p[6..]));
                break;
            case OvsKeyAttr.Vlan:
                var tci = BinaryPrimitives.ReadUInt16BigEndian(p);
                if (!isMask && (tci & FlowKey.VlanCfi) == 0)
                {
                    throw a.Error($"VLAN TCI 0x{tci:x4} without CFI (malformed tag) is not modelled");
                }

                FlowFields.VlanTci.Write(w, tci);
                break;
            case OvsKeyAttr.Ethertype:
                FlowFields.DlType.Write(w, BinaryPrimitives.ReadUInt16BigEndian(p));
                break;
            case OvsKeyAttr.Ipv4:
                FlowFields.NwSrc.Write(w, BinaryPrimitives.ReadUInt32BigEndian(p));
                FlowFields.NwDst.Write(w, BinaryPrimitives.ReadUInt32BigEndian(p[4..]));
                FlowFields.NwProto.Write(w, p[8]);
                FlowFields.NwTos.Write(w, p[9]);
                FlowFields.NwTtl.Write(w, p[10]);
                FlowFields.NwFrag.Write(w, FragFromWire(a, p[11], 11, isMask));
                break;
            case OvsKeyAttr.Ipv6:
                FlowFields.Ipv6Src.Write(w, BinaryPrimitives.ReadUInt128BigEndian(p));
                FlowFields.Ipv6Dst.Write(w, BinaryPrimitives.ReadUInt128BigEndian(p[16..]));
                var label = BinaryPrimitives.ReadUInt32BigEndian(p[32..]);
                if (label > Ipv6LabelMask)
                {
                    throw a.Error($"IPv6 label 0x{label:x} wider than 20 bits", 32);
                }

                FlowFields.Ipv6Label.Write(w, label);
                FlowFields.NwProto.Write(w, p[36]);
                FlowFields.NwTos.Write(w, p[37]);
                FlowFields.NwTtl.Write(w, p[38]);
                FlowFields.NwFrag.Write(w, FragFromWire(a, p[39], 39, isMask));
                break;
            case OvsKeyAttr.Tcp or OvsKeyAttr.Udp or OvsKeyAttr.Sctp:
                FlowFields.TpSrc.Write(w, BinaryPrimitives.ReadUInt16BigEndian(p));
                FlowFields.TpDst.Write(w, BinaryPrimitives.ReadUInt16BigEndian(p[2..]));
                break;
            case OvsKeyAttr.Icmp or OvsKeyAttr.Icmpv6:
                FlowFields.TpSrc.Write(w, p[0]);
                FlowFields.TpDst.Write(w, p[1]);
                break;
            case OvsKeyAttr.TcpFlags:
                var flags = BinaryPrimitives.ReadUInt16BigEndian(p);
                if ((flags & ~TcpFlagsMask) != 0)
                {
                    throw a.Error($"TCP flags 0x{flags:x4} use bits above the 12 defined ones");
                }

                FlowFields.TcpFlags.Write(w, flags);
                break;
            case OvsKeyAttr.Arp:
                FlowFields.NwSrc.Write(w, BinaryPrimitives.ReadUInt32BigEndian(p));
                FlowFields.NwDst.Write(w, BinaryPrimitives.ReadUInt32BigEndian(p[4..]));
                var op = BinaryPrimitives.ReadUInt16BigEndian(p[8..]);
                if (!isMask && op > 0xff)
                {
                    throw a.Error($"ARP opcode {op} does not fit OVS's 8-bit nw_proto", 8);
                }

                FlowFields.NwProto.Write(w, (byte)op);
                FlowFields.ArpSha.Write(w, ReadMac(p[10..]));
                FlowFields.ArpTha.Write(w, ReadMac(p[16..]));
                break;
            case OvsKeyAttr.Nd:
                FlowFields.NdTarget.Write(w, BinaryPrimitives.ReadUInt128BigEndian(p));
                FlowFields.ArpSha.Write(w, ReadMac(p[16..]));
                FlowFields.ArpTha.Write(w, ReadMac(p[22..]));
                break;
            default:
                throw a.Error("not a modelled key attribute");
        }
    }

    /// <summary>Writes a 48-bit MAC (host-order value) as 6 network-order bytes.</summary>
    public static void WriteMac(Span<byte> p, ulong mac)
    {
        BinaryPrimitives.WriteUInt16BigEndian(p, (ushort)(mac >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(p[2..], (uint)mac);
    }

    /// <summary>Reads 6 network-order bytes as a 48-bit MAC value.</summary>
    public static ulong ReadMac(ReadOnlySpan<byte> p) =>
        ((ulong)BinaryPrimitives.ReadUInt16BigEndian(p) << 32) | BinaryPrimitives.ReadUInt32BigEndian(p[2..]);

    /// <summary>struct-flow nw_frag bits → netlink frag byte (key enum, or mask 0/0xff).</summary>
    public static byte FragToWire(byte frag, bool isMask) => isMask
        ? (byte)((frag & FlowKey.FragAny) != 0 ? 0xff : 0)
        : (frag & FlowKey.FragAny) == 0 ? (byte)0 : (frag & FlowKey.FragLater) != 0 ? (byte)2 : (byte)1;

    private static byte FragFromWire(in NetlinkAttribute a, byte v, int at, bool isMask)
    {
        if (isMask)
        {
            return v switch
            {
                0 => 0,
                0xff => FragMask,
                _ => throw a.Error($"partial fragment mask 0x{v:x2} (must be 0 or 0xff)", at),
            };
        }

        return v switch
        {
            0 => 0,
            1 => FlowKey.FragAny,
            2 => FragMask,
            _ => throw a.Error($"fragment type {v} is not none(0), first(1) or later(2)", at),
        };
    }

    private static FlowMask[] BuildFields()
    {
        var r = new FlowMask[32];
        void Set(OvsKeyAttr a, FlowField f, UInt128? bits = null) => r[(int)a].Unwildcard(f, bits ?? f.AllOnes);
        Set(OvsKeyAttr.RecircId, FlowFields.RecircId);
        Set(OvsKeyAttr.InPort, FlowFields.InPort);
        Set(OvsKeyAttr.Ethernet, FlowFields.DlSrc);
        Set(OvsKeyAttr.Ethernet, FlowFields.DlDst);
        Set(OvsKeyAttr.Vlan, FlowFields.VlanTci);
        Set(OvsKeyAttr.Ethertype, FlowFields.DlType);
        foreach (var a in new[] { OvsKeyAttr.Ipv4, OvsKeyAttr.Ipv6 })
        {
            Set(a, FlowFields.NwProto);
            Set(a, FlowFields.NwTos);
            Set(a, FlowFields.NwTtl);
            Set(a, FlowFields.NwFrag, FragMask);
        }

        Set(OvsKeyAttr.Ipv4, FlowFields.NwSrc);
        Set(OvsKeyAttr.Ipv4, FlowFields.NwDst);
        Set(OvsKeyAttr.Ipv6, FlowFields.Ipv6Src);
        Set(OvsKeyAttr.Ipv6, FlowFields.Ipv6Dst);
        Set(OvsKeyAttr.Ipv6, FlowFields.Ipv6Label, Ipv6LabelMask);
        foreach (var a in new[] { OvsKeyAttr.Tcp, OvsKeyAttr.Udp, OvsKeyAttr.Sctp })
        {
            Set(a, FlowFields.TpSrc);
            Set(a, FlowFields.TpDst);
        }

        foreach (var a in new[] { OvsKeyAttr.Icmp, OvsKeyAttr.Icmpv6 })
        {
            Set(a, FlowFields.TpSrc, 0xff);
            Set(a, FlowFields.TpDst, 0xff);
        }

        Set(OvsKeyAttr.TcpFlags, FlowFields.TcpFlags, TcpFlagsMask);
        Set(OvsKeyAttr.Arp, FlowFields.NwSrc);
        Set(OvsKeyAttr.Arp, FlowFields.NwDst);
        Set(OvsKeyAttr.Arp, FlowFields.NwProto);
        Set(OvsKeyAttr.Arp, FlowFields.ArpSha);
        Set(OvsKeyAttr.Arp, FlowFields.ArpTha);
        Set(OvsKeyAttr.Nd, FlowFields.NdTarget);
        Set(OvsKeyAttr.Nd, FlowFields.ArpSha);
        Set(OvsKeyAttr.Nd, FlowFields.ArpTha);
        return r;
    }
}
