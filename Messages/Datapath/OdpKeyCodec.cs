using System.Runtime.CompilerServices;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Netlink;

namespace VSwarm.Messages.Datapath;

/// <summary>
/// A datapath flow key and mask (a <see cref="Match"/>) as OVS_KEY_ATTR_* attribute streams, in
/// the order userspace OVS composes them: RECIRC_ID, IN_PORT, ETHERNET, then either
/// ETHERTYPE(0x8100) VLAN ENCAP{ETHERTYPE, L3, L4} for a tagged flow or ETHERTYPE, L3, L4, where
/// L3 is IPV4 | IPV6 | ARP chosen by the Ethertype and L4 is TCP (+TCP_FLAGS) | UDP | SCTP | ICMP |
/// ICMPV6 (+ND) chosen by the IP protocol (none for later fragments). The mask stream mirrors the
/// key stream attribute for attribute; an attribute absent from the mask is fully wildcarded,
/// and an absent MASK means an exact match of the key's attributes.
/// </summary>
/// <remarks>
/// <para><b>Datapath-valid matches</b> (<see cref="IsDatapathValid"/>) are the matches a megaflow
/// mask can express without loss, so that <c>Decode(Encode(m)) == m</c>:</para>
/// <list type="bullet">
/// <item>no metadata or register bits (they never reach the datapath);</item>
/// <item>dl_type exact, an Ethertype (≥ 0x600, not 0x8100/0x88a8) or 0x05ff (802.2: the key has no
/// ETHERTYPE, the mask has ETHERTYPE 0xffff);</item>
/// <item>VLAN TCI mask either 0 (no VLAN attribute — on the datapath this matches untagged packets
/// only, §4.2) or containing the CFI bit with CFI set in the key (a tagged flow);</item>
/// <item>L3 bits only for the fields of the Ethertype's attribute (IPv4, IPv6, ARP/RARP); IPv6
/// label within 20 bits; nw_frag mask 0 or ANY|LATER (all-or-nothing) with a key of none, first
/// (ANY) or later (ANY|LATER);</item>
/// <item>L4 bits only when nw_proto is exact, the protocol has an L4 attribute and the flow is not
/// a later fragment; ICMP type/code masks within 8 bits; tcp_flags only for TCP, within 12 bits;
/// ND target/sll/tll only for ICMPv6 type 135/136 code 0 with exact type and code.</item>
/// </list>
/// <para>Encoding a match that is not datapath-valid drops what the attributes cannot carry (as
/// OVS does); <see cref="ToDatapath"/> gives that result.</para>
/// <para>Decoding validates sizes, duplicates, unknown attributes and protocol consistency
/// (L3 attribute against Ethertype, L4 against IP protocol, no L4 for later fragments, mask
/// attributes without key attributes). Known attributes VSwarm does not model (PRIORITY, SKB_MARK,
/// DP_HASH, CT_*, TUNNEL, MPLS, PACKET_TYPE, ...) are size-checked and ignored.</para>
/// </remarks>
public static class OdpKeyCodec
{
    /// <summary>Writes the key attributes of a match (no enclosing nest).</summary>
    public static void EncodeKey(NetlinkWriter writer, in Match match) => Emit(writer, match.Key, match.Mask, false);

    /// <summary>Writes the mask attributes of a match (no enclosing nest).</summary>
    public static void EncodeMask(NetlinkWriter writer, in Match match) => Emit(writer, match.Key, match.Mask, true);

    /// <summary>Writes the key attributes of a packet key (every attribute the packet's headers imply).</summary>
    public static void EncodeKey(NetlinkWriter writer, in FlowKey packetKey)
    {
        var m = new Match(packetKey, PacketMask(packetKey));
        Emit(writer, m.Key, m.Mask, false);
    }

    /// <summary>Key attributes of a match as bytes.</summary>
    public static byte[] KeyBytes(in Match match)
    {
        var w = new NetlinkWriter(256);
        EncodeKey(w, match);
        return w.ToArray();
    }

    /// <summary>Mask attributes of a match as bytes.</summary>
    public static byte[] MaskBytes(in Match match)
    {
        var w = new NetlinkWriter(256);
        EncodeMask(w, match);
        return w.ToArray();
    }

    /// <summary>Decodes key and mask attribute streams (each without enclosing nest).</summary>
    public static Match Decode(ReadOnlySpan<byte> key, ReadOnlySpan<byte> mask) =>
        Decode(new NetlinkReader(key, 0, OvsSpaces.Key), new NetlinkReader(mask, 0, OvsSpaces.Key), true);

    /// <summary>Decodes a key stream without mask (exact match of its attributes).</summary>
    public static Match DecodeExact(ReadOnlySpan<byte> key) =>
        Decode(new NetlinkReader(key, 0, OvsSpaces.Key), default, false);

    /// <summary>
    /// Decodes a key stream and, when <paramref name="hasMask"/>, a mask stream; without a mask
    /// every field of every key attribute is exact (OVS_FLOW_ATTR_MASK absent).
    /// </summary>
    public static Match Decode(NetlinkReader key, NetlinkReader mask, bool hasMask)
    {
        var k = default(FlowKey);
        var presence = default(FlowMask);
        var outer = default(Level);
        var inner = default(Level);
        DecodeLevel(ref key, ref k, ref presence, ref outer, ref inner, false);
        var payload = outer.Has(OvsKeyAttr.Vlan) ? inner : outer;
        Validate(ref k, ref presence, ref outer, ref inner, key.EndOffset);

        FlowMask m;
        if (hasMask)
        {
            m = default;
            var mo = default(Level);
            var mi = default(Level);
            var unused = default(FlowMask);
            DecodeMaskLevel(ref mask, ref m, ref unused, ref mo, ref mi, outer, inner, false);
            var mp = outer.Has(OvsKeyAttr.Vlan) ? mi : mo;
            FlowFields.DlType.Write(m.Words, mp.EthType);
            if (!outer.Has(OvsKeyAttr.Vlan))
            {
                m.Wildcard(FlowFields.VlanTci);
            }
        }
        else
        {
            m = presence;
        }

        _ = payload;
        return new Match(k, m);
    }

    /// <summary>
    /// The mask of every field a packet key's attributes carry: what an exact-match flow for this
    /// packet matches (RECIRC_ID, IN_PORT, ETHERNET, VLAN if tagged, ETHERTYPE, L3 by Ethertype, L4 by
    /// protocol unless a later fragment, TCP_FLAGS for TCP, ND for neighbour discovery).
    /// </summary>
    public static FlowMask PacketMask(in FlowKey k)
    {
        var m = KeyAttrs.FieldsOf(OvsKeyAttr.RecircId) | KeyAttrs.FieldsOf(OvsKeyAttr.InPort)
            | KeyAttrs.FieldsOf(OvsKeyAttr.Ethernet) | KeyAttrs.FieldsOf(OvsKeyAttr.Ethertype);
        if ((k.VlanTci & FlowKey.VlanCfi) != 0)
        {
            m.UnionWith(KeyAttrs.FieldsOf(OvsKeyAttr.Vlan));
        }

        var l3 = L3Of(k.DlType);
        if (l3 != OvsKeyAttr.Unspec)
        {
            m.UnionWith(KeyAttrs.FieldsOf(l3));
        }

        var l4 = L4Of(l3, k.NwProto, k.NwFrag);
        if (l4 != OvsKeyAttr.Unspec)
        {
            m.UnionWith(KeyAttrs.FieldsOf(l4));
            if (l4 == OvsKeyAttr.Tcp)
            {
                m.UnionWith(KeyAttrs.FieldsOf(OvsKeyAttr.TcpFlags));
            }

            if (l4 == OvsKeyAttr.Icmpv6 && IsNd(k))
            {
                m.UnionWith(KeyAttrs.FieldsOf(OvsKeyAttr.Nd));
            }
        }

        return m;
    }

    /// <summary>What the datapath keeps of a match: <c>Decode(Encode(m))</c>.</summary>
    public static Match ToDatapath(in Match match)
    {
        var w = new NetlinkWriter(512);
        EncodeKey(w, match);
        var keyLen = w.Length;
        EncodeMask(w, match);
        var all = w.WrittenSpan;
        return Decode(all[..keyLen], all[keyLen..]);
    }

    /// <summary>True when <paramref name="match"/> is datapath-valid (see the type's remarks).</summary>
    public static bool IsDatapathValid(in Match match) => IsDatapathValid(match, out _);

    /// <summary>True when <paramref name="match"/> is datapath-valid; otherwise says why.</summary>
    public static bool IsDatapathValid(in Match match, out string? reason)
    {
        var k = match.Key;
        var mask = match.Mask;
        var m = mask.AsKey();
        var allowed = KeyAttrs.FieldsOf(OvsKeyAttr.RecircId) | KeyAttrs.FieldsOf(OvsKeyAttr.InPort)
            | KeyAttrs.FieldsOf(OvsKeyAttr.Ethernet) | KeyAttrs.FieldsOf(OvsKeyAttr.Ethertype);
        reason = null;
        if (m.DlType != 0xffff)
        {
            reason = "dl_type is not exact";
            return false;
        }

        if ((k.DlType < KeyAttrs.EthTypeMin && k.DlType != KeyAttrs.DlTypeNone) || k.DlType is KeyAttrs.EthTypeVlan or KeyAttrs.EthTypeQinQ)
        {
            reason = $"dl_type 0x{k.DlType:x4} has no datapath form";
            return false;
        }

        if (m.VlanTci != 0)
        {
            if ((m.VlanTci & k.VlanTci & FlowKey.VlanCfi) == 0)
            {
                reason = "a matched VLAN TCI must match CFI set (tag present)";
                return false;
            }

            allowed.UnionWith(KeyAttrs.FieldsOf(OvsKeyAttr.Vlan));
        }

        var l3 = L3Of(k.DlType);
        if (l3 != OvsKeyAttr.Unspec)
        {
            allowed.UnionWith(KeyAttrs.FieldsOf(l3));
        }

        if (l3 is OvsKeyAttr.Ipv4 or OvsKeyAttr.Ipv6 && (m.NwFrag is not (0 or KeyAttrs.FragMask) || k.NwFrag == FlowKey.FragLater))
        {
            reason = "nw_frag mask must be 0 or ANY|LATER, with a key of none, first or later";
            return false;
        }

        var l4 = m.NwProto == 0xff ? L4Of(l3, k.NwProto, k.NwFrag) : OvsKeyAttr.Unspec;
        if (l4 != OvsKeyAttr.Unspec)
        {
            allowed.UnionWith(KeyAttrs.FieldsOf(l4));
            if (l4 == OvsKeyAttr.Tcp)
            {
                allowed.UnionWith(KeyAttrs.FieldsOf(OvsKeyAttr.TcpFlags));
            }

            if (l4 == OvsKeyAttr.Icmpv6 && IsNd(k) && m.TpSrc == 0xff && m.TpDst == 0xff)
            {
                allowed.UnionWith(KeyAttrs.FieldsOf(OvsKeyAttr.Nd));
            }
        }

        if ((mask & allowed) != mask)
        {
            var stray = mask;
            var aw = allowed.ReadOnlyWords;
            var sw = stray.Words;
            for (var i = 0; i < FlowLayout.Words; i++)
            {
                sw[i] &= ~aw[i];
            }

            reason = $"bits the datapath attributes cannot carry: {stray}";
            return false;
        }

        return true;
    }

    /// <summary>The L3 attribute of an Ethertype (Unspec if none).</summary>
    public static OvsKeyAttr L3Of(ushort dlType) => dlType switch
    {
        KeyAttrs.EthTypeIpv4 => OvsKeyAttr.Ipv4,
        KeyAttrs.EthTypeIpv6 => OvsKeyAttr.Ipv6,
        KeyAttrs.EthTypeArp or KeyAttrs.EthTypeRarp => OvsKeyAttr.Arp,
        _ => OvsKeyAttr.Unspec,
    };

    /// <summary>The L4 attribute of an IP protocol (Unspec if none, or for a later fragment).</summary>
    public static OvsKeyAttr L4Of(OvsKeyAttr l3, byte proto, byte frag)
    {
        if (l3 is not (OvsKeyAttr.Ipv4 or OvsKeyAttr.Ipv6) || (frag & FlowKey.FragLater) != 0)
        {
            return OvsKeyAttr.Unspec;
        }

        return proto switch
        {
            KeyAttrs.ProtoTcp => OvsKeyAttr.Tcp,
            KeyAttrs.ProtoUdp => OvsKeyAttr.Udp,
            KeyAttrs.ProtoSctp => OvsKeyAttr.Sctp,
            KeyAttrs.ProtoIcmp when l3 == OvsKeyAttr.Ipv4 => OvsKeyAttr.Icmp,
            KeyAttrs.ProtoIcmpv6 when l3 == OvsKeyAttr.Ipv6 => OvsKeyAttr.Icmpv6,
            _ => OvsKeyAttr.Unspec,
        };
    }

    private static bool IsNd(in FlowKey k) => k.TpSrc is KeyAttrs.NdSolicit or KeyAttrs.NdAdvert && k.TpDst == 0;

    private static void Emit(NetlinkWriter w, in FlowKey key, in FlowMask maskBits, bool isMask)
    {
        var src = isMask ? maskBits.ReadOnlyWords : key.ReadOnlyWords;
        var mask = maskBits.AsKey();
        Put(w, OvsKeyAttr.RecircId, src, isMask);
        Put(w, OvsKeyAttr.InPort, src, isMask);
        Put(w, OvsKeyAttr.Ethernet, src, isMask);
        var tagged = (key.VlanTci & FlowKey.VlanCfi) != 0;
        var nest = -1;
        if (tagged)
        {
            w.PutBe16((ushort)OvsKeyAttr.Ethertype, isMask ? (ushort)0xffff : KeyAttrs.EthTypeVlan);
            Put(w, OvsKeyAttr.Vlan, src, isMask);
            nest = w.BeginNested((ushort)OvsKeyAttr.Encap);
        }

        var dl = key.DlType;
        if (dl >= KeyAttrs.EthTypeMin)
        {
            Put(w, OvsKeyAttr.Ethertype, src, isMask);
        }
        else if (isMask)
        {
            w.PutBe16((ushort)OvsKeyAttr.Ethertype, mask.DlType);
        }

        var l3 = L3Of(dl);
        if (l3 != OvsKeyAttr.Unspec)
        {
            Put(w, l3, src, isMask);
            var l4 = mask.NwProto == 0xff ? L4Of(l3, key.NwProto, key.NwFrag) : OvsKeyAttr.Unspec;
            if (l4 != OvsKeyAttr.Unspec)
            {
                Put(w, l4, src, isMask);
                if (l4 == OvsKeyAttr.Tcp && (key.TcpFlags != 0 || mask.TcpFlags != 0))
                {
                    Put(w, OvsKeyAttr.TcpFlags, src, isMask);
                }

                if (l4 == OvsKeyAttr.Icmpv6 && IsNd(key) && mask.TpSrc == 0xff && mask.TpDst == 0xff)
                {
                    Put(w, OvsKeyAttr.Nd, src, isMask);
                }
            }
        }

        if (nest >= 0)
        {
            w.EndNested(nest);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(NetlinkWriter w, OvsKeyAttr attr, ReadOnlySpan<ulong> src, bool isMask) =>
        KeyAttrs.Write(attr, w.PutAttribute((ushort)attr, KeyAttrs.PayloadSize(attr)), src, isMask);

    /// <summary>Per nesting level: which ids were seen, their offsets, and the Ethertype.</summary>
    private struct Level
    {
        public AttrSeen Seen;
        public Offsets Offsets;
        public ushort EthType;
        public int Start;

        public readonly bool Has(OvsKeyAttr a) => Seen.Has((int)a);

        public readonly int At(OvsKeyAttr a) => Has(a) ? Offsets[(int)a] : Start;
    }

    [InlineArray(32)]
    private struct Offsets
    {
        private int _e;
    }

    private static void DecodeLevel(ref NetlinkReader r, ref FlowKey k, ref FlowMask presence, ref Level lv, ref Level inner, bool isInner)
    {
        lv.Start = r.Offset;
        while (r.TryRead(out var a))
        {
            lv.Seen.Add(a);
            var attr = (OvsKeyAttr)a.Type;
            if (a.Type < 32)
            {
                lv.Offsets[a.Type] = a.Offset;
            }

            switch (attr)
            {
                case OvsKeyAttr.Encap:
                    if (isInner)
                    {
                        throw a.Error("a second VLAN (nested ENCAP) is not modelled");
                    }

                    var nested = a.Nested(OvsSpaces.Key);
                    var none = default(Level);
                    DecodeLevel(ref nested, ref k, ref presence, ref inner, ref none, true);
                    break;
                case OvsKeyAttr.Ethertype:
                    lv.EthType = a.Be16();
                    if (lv.EthType < KeyAttrs.EthTypeMin)
                    {
                        throw a.Error($"Ethertype 0x{lv.EthType:x4} below 0x0600 (802.2 frames have no ETHERTYPE in the key)");
                    }

                    break;
                case OvsKeyAttr.RecircId or OvsKeyAttr.InPort or OvsKeyAttr.Ethernet or OvsKeyAttr.Vlan when isInner:
                    throw a.Error("attribute not allowed inside ENCAP");
                default:
                    if (KeyAttrs.IsModelled(attr))
                    {
                        KeyAttrs.Read(a, k.Words, false);
                        presence.UnionWith(KeyAttrs.FieldsOf(attr));
                    }
                    else
                    {
                        SkipUnmodelled(a);
                    }

                    break;
            }
        }
    }

    private static void SkipUnmodelled(in NetlinkAttribute a)
    {
        var size = KeyAttrs.PayloadSize((OvsKeyAttr)a.Type);
        switch (size)
        {
            case -3:
                throw a.Error("unknown key attribute");
            case -2:
                if (a.Payload.Length == 0 || a.Payload.Length % 4 != 0)
                {
                    throw a.Error($"payload of {a.Payload.Length} bytes is not a non-empty multiple of 4");
                }

                break;
            case -1:
                var r = a.Nested(OvsSpaces.Opaque);
                while (r.TryRead(out _))
                {
                }

                break;
            default:
                a.Expect(size);
                break;
        }
    }

    private static void Validate(ref FlowKey k, ref FlowMask presence, ref Level outer, ref Level inner, int end)
    {
        var tagged = outer.Has(OvsKeyAttr.Vlan);
        if (tagged)
        {
            if (!outer.Has(OvsKeyAttr.Encap))
            {
                throw new DpifDecodeException("VLAN without ENCAP", outer.At(OvsKeyAttr.Vlan), OvsSpaces.Key.Name((int)OvsKeyAttr.Vlan), (int)OvsKeyAttr.Vlan);
            }

            if (outer.EthType is not (KeyAttrs.EthTypeVlan or KeyAttrs.EthTypeQinQ))
            {
                throw new DpifDecodeException($"VLAN with outer Ethertype 0x{outer.EthType:x4}", outer.At(OvsKeyAttr.Ethertype), OvsSpaces.Key.Name((int)OvsKeyAttr.Ethertype), (int)OvsKeyAttr.Ethertype);
            }

            foreach (var a in (ReadOnlySpan<OvsKeyAttr>)[OvsKeyAttr.Ipv4, OvsKeyAttr.Ipv6, OvsKeyAttr.Arp, OvsKeyAttr.Tcp, OvsKeyAttr.Udp,
                OvsKeyAttr.Sctp, OvsKeyAttr.Icmp, OvsKeyAttr.Icmpv6, OvsKeyAttr.Nd, OvsKeyAttr.TcpFlags, OvsKeyAttr.Mpls])
            {
                if (outer.Has(a))
                {
                    throw Err("header attribute outside ENCAP of a VLAN flow", outer, a);
                }
            }
        }
        else if (outer.Has(OvsKeyAttr.Encap))
        {
            throw Err("ENCAP without VLAN", outer, OvsKeyAttr.Encap);
        }

        ref var p = ref tagged ? ref inner : ref outer;
        var dl = p.Has(OvsKeyAttr.Ethertype) ? p.EthType : KeyAttrs.DlTypeNone;
        if (dl is KeyAttrs.EthTypeVlan or KeyAttrs.EthTypeQinQ)
        {
            throw Err(tagged ? "a second VLAN is not modelled" : "VLAN Ethertype without VLAN attribute", p, OvsKeyAttr.Ethertype);
        }

        k.DlType = dl;
        presence.UnionWith(KeyAttrs.FieldsOf(OvsKeyAttr.Ethertype));
        if (tagged)
        {
            presence.UnionWith(KeyAttrs.FieldsOf(OvsKeyAttr.Vlan));
        }

        var l3 = L3Of(dl);
        foreach (var a in (ReadOnlySpan<OvsKeyAttr>)[OvsKeyAttr.Ipv4, OvsKeyAttr.Ipv6, OvsKeyAttr.Arp])
        {
            if (p.Has(a) && a != l3)
            {
                throw Err($"L3 attribute does not match Ethertype 0x{dl:x4}", p, a);
            }
        }

        var l4 = p.Has(l3) ? L4Of(l3, k.NwProto, k.NwFrag) : OvsKeyAttr.Unspec;
        foreach (var a in (ReadOnlySpan<OvsKeyAttr>)[OvsKeyAttr.Tcp, OvsKeyAttr.Udp, OvsKeyAttr.Sctp, OvsKeyAttr.Icmp, OvsKeyAttr.Icmpv6])
        {
            if (p.Has(a) && a != l4)
            {
                var why = p.Has(l3) && (k.NwFrag & FlowKey.FragLater) != 0
                    ? "L4 attribute on a later fragment"
                    : $"L4 attribute does not match the IP protocol ({(p.Has(l3) ? k.NwProto.ToString(System.Globalization.CultureInfo.InvariantCulture) : "no L3")})";
                throw Err(why, p, a);
            }
        }

        if (p.Has(OvsKeyAttr.TcpFlags) && l4 != OvsKeyAttr.Tcp)
        {
            throw Err("TCP_FLAGS without TCP", p, OvsKeyAttr.TcpFlags);
        }

        if (p.Has(OvsKeyAttr.Nd) && (!p.Has(OvsKeyAttr.Icmpv6) || !IsNd(k)))
        {
            throw Err("ND without ICMPv6 neighbour discovery type", p, OvsKeyAttr.Nd);
        }

        _ = end;
    }

    private static DpifDecodeException Err(string reason, in Level lv, OvsKeyAttr a) =>
        new(reason, lv.At(a), OvsSpaces.Key.Name((int)a), (int)a);

    private static void DecodeMaskLevel(ref NetlinkReader r, ref FlowMask m, ref FlowMask unused, ref Level lv, ref Level inner, in Level keyLevel, in Level keyInner, bool isInner)
    {
        lv.Start = r.Offset;
        while (r.TryRead(out var a))
        {
            lv.Seen.Add(a);
            var attr = (OvsKeyAttr)a.Type;
            if (!keyLevel.Seen.Has(a.Type) && attr != OvsKeyAttr.Ethertype && KeyAttrs.PayloadSize(attr) != -3)
            {
                throw a.Error("mask attribute without a key attribute");
            }

            switch (attr)
            {
                case OvsKeyAttr.Encap:
                    var nested = a.Nested(OvsSpaces.Key);
                    var none = default(Level);
                    DecodeMaskLevel(ref nested, ref m, ref unused, ref inner, ref none, keyInner, default, true);
                    break;
                case OvsKeyAttr.Ethertype:
                    lv.EthType = a.Be16();
                    break;
                case OvsKeyAttr.Vlan:
                    KeyAttrs.Read(a, m.Words, true);
                    break;
                default:
                    if (KeyAttrs.IsModelled(attr))
                    {
                        KeyAttrs.Read(a, m.Words, true);
                    }
                    else
                    {
                        SkipUnmodelled(a);
                    }

                    break;
            }
        }
    }
}
