using FsCheck;
using FsCheck.Fluent;
using VSwarm.Messages.Cookies;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Netlink;
using Xunit;

namespace VSwarm.Tests.Unit.Datapath;

public class DatapathPropertyTests
{
    [Fact]
    public void Generated_matches_are_datapath_valid() =>
        Prop.ForAll(DpGen.ValidMatches, m => Assert.True(OdpKeyCodec.IsDatapathValid(m, out var why), why)).Check(DpGen.Quick);

    [Fact]
    public void Key_and_mask_round_trip_through_netlink() =>
        Prop.ForAll(DpGen.ValidMatches, m =>
            Assert.Equal(m, OdpKeyCodec.Decode(OdpKeyCodec.KeyBytes(m), OdpKeyCodec.MaskBytes(m)))).Check(DpGen.Quick);

    [Fact]
    public void Any_match_reduces_to_a_datapath_valid_fixpoint() =>
        Prop.ForAll(DpGen.Arb(r =>
        {
            var k = default(FlowKey);
            var m = default(FlowMask);
            foreach (var f in FlowFields.All)
            {
                k.Set(f, f.Bits == 128 ? DpGen.Bits128(r) : (UInt128)DpGen.Bits(r, f.Bits));
                m.Set(f, DpGen.MaskFor(r, f));
            }

            k.DlType = r.Next(2) == 0 ? (ushort)0x0800 : k.DlType;
            m.Unwildcard(FlowFields.DlType);
            k.NwProto = r.Next(2) == 0 ? (byte)6 : k.NwProto;
            m.Set(FlowFields.NwFrag, r.Next(2) == 0 ? UInt128.Zero : KeyAttrs.FragMask);
            k.NwFrag = (byte)(k.NwFrag & 1);
            m.Set(FlowFields.Ipv6Label, m.Get(FlowFields.Ipv6Label) & KeyAttrs.Ipv6LabelMask);
            m.Set(FlowFields.TcpFlags, m.Get(FlowFields.TcpFlags) & KeyAttrs.TcpFlagsMask);
            return new Match(k, m);
        }), m =>
        {
            try
            {
                var d = OdpKeyCodec.ToDatapath(m);
                Assert.True(OdpKeyCodec.IsDatapathValid(d, out var why), why);
                Assert.Equal(d, OdpKeyCodec.ToDatapath(d));
            }
            catch (DpifDecodeException)
            {
                // A lossy encoding may be refused by the decoder (e.g. a VLAN TCI without CFI); never anything else.
            }
        }).Check(DpGen.Quick);

    [Fact]
    public void Packet_keys_round_trip_with_their_packet_mask() =>
        Prop.ForAll(DpGen.PacketKeys, k =>
        {
            var w = new NetlinkWriter();
            OdpKeyCodec.EncodeKey(w, k);
            var m = OdpKeyCodec.DecodeExact(w.WrittenSpan);
            Assert.Equal(k, m.Key);
            Assert.Equal(OdpKeyCodec.PacketMask(k), m.Mask);
        }).Check(DpGen.Quick);

    [Fact]
    public void Actions_round_trip_through_netlink() =>
        Prop.ForAll(DpGen.ActionLists, a => Assert.Equal(a, DpActionCodec.Decode(DpActionCodec.ToBytes(a)))).Check(DpGen.Quick);

    [Fact]
    public void Cookies_round_trip_through_48_bytes() =>
        Prop.ForAll(DpGen.Cookies, c =>
        {
            var b = c.ToBytes();
            Assert.Equal(48, b.Length);
            Assert.True(UserActionCookie.TryDecode(b, out var d));
            Assert.Equal(c, d);
        }).Check(DpGen.Quick);

    [Fact]
    public void Action_lists_compare_by_content()
    {
        var a = DpActions.Of(new OutputAction(1), new SampleAction(5, DpActions.Of(new OutputAction(2))));
        var b = DpActions.Of(new OutputAction(1), new SampleAction(5, DpActions.Of(new OutputAction(2))));
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, DpActions.Of(new OutputAction(1)));
        Assert.True(DpActions.Empty.IsDrop);
        Assert.Equal(new UserspaceAction(1, ByteBlob.FromHex("0102")), new UserspaceAction(1, ByteBlob.FromHex("0102")));
    }

    [Fact]
    public void Set_action_keeps_only_the_fields_of_its_header()
    {
        var k = default(FlowKey);
        k.NwDst = 0x0a000001;
        k.TpDst = 80;
        var s = new SetAction(OvsKeyAttr.Ipv4, k);
        Assert.Equal(0, s.Value.TpDst);
        Assert.Equal(0x0a000001u, s.Value.NwDst);
        var k2 = k;
        k2.TpDst = 81;
        Assert.Equal(s, new SetAction(OvsKeyAttr.Ipv4, k2));
    }

    [Fact]
    public void Ufid_formats_as_lowercase_uuid_and_parses()
    {
        var u = new Ufid(new UInt128(0x0123456789ABCDEF, 0xFEDCBA9876543210));
        Assert.Equal("01234567-89ab-cdef-fedc-ba9876543210", u.ToString());
        Assert.Equal(u, Ufid.Parse("01234567-89AB-CDEF-FEDC-BA9876543210"));
        Assert.False(Ufid.TryParse("01234567-89ab-cdef-fedc-ba987654321", out _));
        Span<byte> b = stackalloc byte[16];
        u.Write(b);
        Assert.Equal(0x01, b[0]);
        Assert.Equal(u, Ufid.Read(b));
    }

    [Fact]
    public void Vlan_flow_nests_inner_headers_in_encap()
    {
        var k = default(FlowKey);
        k.DlType = 0x0800;
        k.VlanTci = 0x1000 | 5;
        var m = default(FlowMask);
        m.Unwildcard(FlowFields.DlType);
        m.Unwildcard(FlowFields.VlanTci, 0x1fff);
        var match = new Match(k, m);
        var key = OdpKeyCodec.KeyBytes(match);
        var r = new NetlinkReader(key, 0, OvsSpaces.Key);
        var types = new List<int>();
        while (r.TryRead(out var a))
        {
            types.Add(a.Type);
            if (a.Type == (int)OvsKeyAttr.Ethertype)
            {
                Assert.Equal(0x8100, a.Be16());
            }
        }

        Assert.Equal([20, 3, 4, 6, 5, 1], types);
        Assert.Equal(match, OdpKeyCodec.Decode(key, OdpKeyCodec.MaskBytes(match)));
    }

    [Fact]
    public void Frames_without_ethertype_put_ethertype_only_in_the_mask()
    {
        var k = default(FlowKey);
        k.DlType = KeyAttrs.DlTypeNone;
        var m = default(FlowMask);
        m.Unwildcard(FlowFields.DlType);
        var match = new Match(k, m);
        Assert.DoesNotContain((byte)OvsKeyAttr.Ethertype, AttrTypes(OdpKeyCodec.KeyBytes(match)));
        Assert.Contains((byte)OvsKeyAttr.Ethertype, AttrTypes(OdpKeyCodec.MaskBytes(match)));
        Assert.Equal(match, OdpKeyCodec.Decode(OdpKeyCodec.KeyBytes(match), OdpKeyCodec.MaskBytes(match)));
        Assert.EndsWith("eth(),eth_type(0/0xffff)", VSwarm.Messages.Odp.OdpFormatter.FormatMatch(match), StringComparison.Ordinal);
    }

    [Fact]
    public void Later_fragments_have_no_l4_attribute_and_frag_mask_is_all_or_nothing()
    {
        var k = default(FlowKey);
        k.DlType = 0x0800;
        k.NwProto = 6;
        k.NwFrag = KeyAttrs.FragMask;
        var m = default(FlowMask);
        m.Unwildcard(FlowFields.DlType);
        m.Unwildcard(FlowFields.NwProto);
        m.Unwildcard(FlowFields.NwFrag, KeyAttrs.FragMask);
        var match = new Match(k, m);
        var key = OdpKeyCodec.KeyBytes(match);
        Assert.DoesNotContain((byte)OvsKeyAttr.Tcp, AttrTypes(key));
        var mask = OdpKeyCodec.MaskBytes(match);
        Assert.Equal(0xff, mask[^1]);
        Assert.Equal(2, key[^1]);
        var anyOnly = m;
        anyOnly.Set(FlowFields.NwFrag, FlowKey.FragAny);
        Assert.False(OdpKeyCodec.IsDatapathValid(new Match(k, anyOnly)));
    }

    [Fact]
    public void Icmp_type_and_code_are_eight_bit()
    {
        var k = default(FlowKey);
        k.DlType = 0x0800;
        k.NwProto = 1;
        k.TpSrc = 8;
        var m = default(FlowMask);
        m.Unwildcard(FlowFields.DlType);
        m.Unwildcard(FlowFields.NwProto);
        m.Unwildcard(FlowFields.TpSrc);
        Assert.False(OdpKeyCodec.IsDatapathValid(new Match(k, m)));
        var d = OdpKeyCodec.ToDatapath(new Match(k, m));
        Assert.Equal((UInt128)0xff, d.Mask.Get(FlowFields.TpSrc));
    }

    private static List<byte> AttrTypes(byte[] stream)
    {
        var r = new NetlinkReader(stream, 0, OvsSpaces.Key);
        var l = new List<byte>();
        while (r.TryRead(out var a))
        {
            l.Add((byte)a.Type);
        }

        return l;
    }
}
