using VSwarm.Messages.Cookies;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Flow;
using VSwarm.Messages.Netlink;
using Xunit;

namespace VSwarm.Tests.Unit.Datapath;

public class SizesAndCookieTests
{
    private static readonly Guid Bridge = Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");

    private static SflowCookie Sflow => new(1, Bridge, 0, 1004);

    [Fact]
    public void Output_action_is_8_bytes()
    {
        var b = DpActionCodec.ToBytes(DpActions.Of(new OutputAction(2)));
        Assert.Equal(new byte[] { 8, 0, 1, 0, 2, 0, 0, 0 }, b);
    }

    [Fact]
    public void Userspace_with_48_byte_cookie_is_64_bytes_and_68_with_actions_flag()
    {
        Assert.Equal(64, DpActionCodec.ToBytes(DpActions.Of(UserspaceAction.WithCookie(1234, Sflow))).Length);
        Assert.Equal(68, DpActionCodec.ToBytes(DpActions.Of(UserspaceAction.WithCookie(1234, Sflow, includeActions: true))).Length);
        Assert.Equal(76, DpActionCodec.ToBytes(DpActions.Of(UserspaceAction.WithCookie(1234, Sflow, true, 7))).Length);
    }

    [Fact]
    public void Sample_around_68_byte_userspace_is_84_bytes()
    {
        var inner = DpActions.Of(UserspaceAction.WithCookie(1234, Sflow, includeActions: true));
        var b = DpActionCodec.ToBytes(DpActions.Of(new SampleAction(10737418, inner), new OutputAction(1)));
        Assert.Equal(84 + 8, b.Length);
        Assert.Equal(84, BitConverter.ToUInt16(b, 0));
    }

    [Fact]
    public void Five_byte_payload_occupies_12_bytes_with_nla_len_9()
    {
        var w = new NetlinkWriter();
        w.PutBytes(7, [1, 2, 3, 4, 5]);
        Assert.Equal(12, w.Length);
        Assert.Equal(9, BitConverter.ToUInt16(w.WrittenSpan));
        Assert.Equal(new byte[] { 0, 0, 0 }, w.WrittenSpan[9..].ToArray());
        Assert.Equal(12, Nl.AttributeSize(5));
    }

    [Fact]
    public void Cookie_of_48_bytes_with_type_1_is_sflow()
    {
        var bytes = Sflow.ToBytes();
        Assert.Equal(48, bytes.Length);
        Assert.Equal(1, bytes[0]);
        Assert.True(UserActionCookie.TryDecode(bytes, out var c));
        Assert.Equal(Sflow, c);
    }

    [Fact]
    public void Cookie_of_52_bytes_is_bad()
    {
        var bytes = new byte[52];
        Sflow.ToBytes().CopyTo(bytes, 0);
        Assert.False(UserActionCookie.TryDecode(bytes, out _));
    }

    [Fact]
    public void Cookie_type_9_is_bad()
    {
        var bytes = Sflow.ToBytes();
        bytes[0] = 9;
        Assert.False(UserActionCookie.TryDecode(bytes, out _));
    }

    [Fact]
    public void Flow_sample_ingress_uses_port_none()
    {
        var c = new FlowSampleCookie(3, Bridge, 32767, 1, 2, 3, FlowSampleCookie.OdpPortNone, FlowSampleDirection.Ingress);
        Assert.True(c.IsIngress);
        Assert.True(UserActionCookie.TryDecode(c.ToBytes(), out var d));
        Assert.Equal(c, d);
    }

    [Fact]
    public void Sflow_extension_places_rule_cookie_big_endian_at_32_and_flags_at_40()
    {
        var c = new SflowCookie(1, Bridge, 0x2005, 7, 0x0102030405060708, SflowCookieFlags.PerFlow);
        var b = c.ToBytes();
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, b[32..40]);
        Assert.Equal(new byte[] { 1, 0, 0, 0 }, b[40..44]);
        Assert.Equal(new byte[] { 0x20, 0x05 }, b[24..26]);
        Assert.True(UserActionCookie.TryDecode(b, out var d));
        Assert.Equal(c, d);
    }

    [Fact]
    public void Example1_match_round_trips_through_key_and_mask_attributes()
    {
        var k = default(FlowKey);
        k.InPort = 2;
        k.DlType = 0x0800;
        k.NwDst = 0xC0A80002;
        k.NwProto = 6;
        var m = default(FlowMask);
        m.Unwildcard(FlowFields.RecircId);
        m.Unwildcard(FlowFields.InPort);
        m.Unwildcard(FlowFields.DlType);
        m.UnwildcardPrefix(FlowFields.NwDst, 16);
        m.Unwildcard(FlowFields.NwProto);
        m.Unwildcard(FlowFields.NwFrag, KeyAttrs.FragMask);
        var match = new Match(k, m);
        Assert.True(OdpKeyCodec.IsDatapathValid(match, out var why), why);
        var back = OdpKeyCodec.Decode(OdpKeyCodec.KeyBytes(match), OdpKeyCodec.MaskBytes(match));
        Assert.Equal(match, back);
    }
}
